import type { Feedback } from '../api/learning-types';

/** Ratings a person can give, best last; what each means where the form offers it. */
export const RATINGS = [1, 2, 3, 4, 5] as const;
export const RATING_LABELS: Record<(typeof RATINGS)[number], string> = { 1: '1 – wrong', 2: '2 – poor', 3: '3 – usable', 4: '4 – good', 5: '5 – excellent' };

/** The contract's limits, checked before sending so the form says what is wrong at once. */
export const COMMENT_MAX_CHARS = 2000;
export const CORRECTION_MAX_CHARS = 8000;

/** The key feedback on the task's own result goes under (it has no subtask). */
export const RESULT_TARGET = 'result';

/** The feedback of a task by what it is on: the result (`RESULT_TARGET`) or a subtask id; each list oldest first as given. */
export function feedbackByTarget(feedback: readonly Feedback[]): Map<string, Feedback[]> {
  const byTarget = new Map<string, Feedback[]>();
  for (const f of feedback) {
    const key = f.subtask_id ?? RESULT_TARGET;
    byTarget.set(key, [...(byTarget.get(key) ?? []), f]);
  }
  return byTarget;
}

/** The mean of some ratings with one decimal, or – for none. */
export function formatMeanRating(rating: number | null | undefined): string {
  return rating === null || rating === undefined || !Number.isFinite(rating) ? '–' : rating.toFixed(1);
}

/** A rating as stars for a glance; the number stays in the text beside it. */
export function ratingStars(rating: number): string {
  const full = Math.max(0, Math.min(5, Math.round(rating)));
  return '★'.repeat(full) + '☆'.repeat(5 - full);
}

export interface FeedbackDraft {
  rating: string;
  comment: string;
  correction: string;
}

export const EMPTY_FEEDBACK_DRAFT: FeedbackDraft = { rating: '', comment: '', correction: '' };

/** The body to send for a draft, or the reason it cannot be sent yet. Blank texts are left out. */
export function feedbackBody(draft: FeedbackDraft, subtaskId: string | null): { body: { rating: number; comment?: string; correction?: string; subtask_id?: string } } | { problem: string } {
  const rating = Number(draft.rating);
  if (!Number.isInteger(rating) || rating < 1 || rating > 5) return { problem: 'Choose a rating from 1 to 5.' };
  const comment = draft.comment.trim();
  const correction = draft.correction.trim();
  if (comment.length > COMMENT_MAX_CHARS) return { problem: `The comment is ${comment.length} characters; at most ${COMMENT_MAX_CHARS}.` };
  if (correction.length > CORRECTION_MAX_CHARS) return { problem: `The correction is ${correction.length} characters; at most ${CORRECTION_MAX_CHARS}.` };
  return {
    body: {
      rating,
      ...(comment ? { comment } : {}),
      ...(correction ? { correction } : {}),
      ...(subtaskId ? { subtask_id: subtaskId } : {}),
    },
  };
}
