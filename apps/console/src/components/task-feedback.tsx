import { useState, type FormEvent } from 'react';
import { learningApi } from '../api/learning-api';
import type { Feedback } from '../api/learning-types';
import { COMMENT_MAX_CHARS, CORRECTION_MAX_CHARS, EMPTY_FEEDBACK_DRAFT, feedbackBody, RATING_LABELS, RATINGS, ratingStars, type FeedbackDraft } from '../lib/feedback';
import { formatTime } from '../lib/format';
import { ErrorMessage } from './error-message';

/**
 * A person's rating (1–5), comment and optional correction on a task's result or on one of its
 * subtasks; sent once the task has ended. The API's refusals show as they are.
 */
export function FeedbackForm({
  networkId,
  taskId,
  subtaskId,
  subject,
  onSent,
}: {
  networkId: string;
  taskId: string;
  /** null: the task's result. */
  subtaskId: string | null;
  /** What is rated, in the legend: "the result", "subtask headline". */
  subject: string;
  onSent(feedback: Feedback): void;
}) {
  const [draft, setDraft] = useState<FeedbackDraft>(EMPTY_FEEDBACK_DRAFT);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [sent, setSent] = useState(false);
  const edit = (change: Partial<FeedbackDraft>) => {
    setDraft({ ...draft, ...change });
    setSent(false);
  };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    setSent(false);
    const checked = feedbackBody(draft, subtaskId);
    if ('problem' in checked) {
      setError(new Error(checked.problem));
      return;
    }
    setBusy(true);
    try {
      const { feedback } = await learningApi.createFeedback(networkId, taskId, checked.body);
      setDraft(EMPTY_FEEDBACK_DRAFT);
      setSent(true);
      onSent(feedback);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="form feedback-form" onSubmit={(e) => void submit(e)} data-testid="feedback-form" data-subtask-id={subtaskId ?? ''} aria-label={`Feedback on ${subject}`}>
      <div className="form-row">
        <label>
          Rating
          <select name="rating" value={draft.rating} onChange={(e) => edit({ rating: e.target.value })}>
            <option value="">choose…</option>
            {RATINGS.map((r) => (
              <option key={r} value={r}>
                {RATING_LABELS[r]}
              </option>
            ))}
          </select>
        </label>
        <label className="wide">
          Comment <span className="muted">(optional)</span>
          <input name="comment" maxLength={COMMENT_MAX_CHARS} value={draft.comment} onChange={(e) => edit({ comment: e.target.value })} placeholder="what was good or wrong" />
        </label>
      </div>
      <label>
        Correction <span className="muted">(optional: what the answer should have been)</span>
        <textarea name="correction" rows={2} maxLength={CORRECTION_MAX_CHARS} value={draft.correction} onChange={(e) => edit({ correction: e.target.value })} />
      </label>
      <ErrorMessage error={error} />
      <div className="inline">
        <button type="submit" disabled={busy}>
          {busy ? 'Sending…' : 'Send feedback'}
        </button>
        {sent && (
          <span className="muted small" role="status">
            Thank you: saved.
          </span>
        )}
      </div>
    </form>
  );
}

/** Feedback already given, oldest first: rating, comment, correction, and whether lessons were distilled from it. */
export function FeedbackList({ feedback, empty, testId = 'feedback-list' }: { feedback: readonly Feedback[]; empty: string; testId?: string }) {
  if (feedback.length === 0) return <p className="muted small">{empty}</p>;
  return (
    <ul className="feedback-list" data-testid={testId}>
      {feedback.map((f) => (
        <li key={f.feedback_id} data-testid="feedback-item" data-rating={f.rating}>
          <span className="rating" title={`rated ${f.rating} of 5`}>
            <span aria-hidden="true">{ratingStars(f.rating)}</span> {f.rating}/5
          </span>
          {f.comment && <span className="feedback-comment"> {f.comment}</span>}
          <span className="muted small">
            {' '}
            · {formatTime(f.created_at)}
            {f.lesson_version !== null ? ` · in lessons v${f.lesson_version}` : ''}
          </span>
          {f.correction && (
            <details>
              <summary className="small">Correction</summary>
              <p className="pre-wrap small">{f.correction}</p>
            </details>
          )}
        </li>
      ))}
    </ul>
  );
}
