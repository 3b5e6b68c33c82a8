import type { LessonInput, LessonSet } from '../api/learning-types';

/** The contract's limits of `PUT …/lessons`. */
export const MAX_LESSONS = 20;
export const LESSON_MAX_CHARS = 500;

/** A lesson set as the editor shows it: one lesson a line. */
export function lessonsText(set: LessonSet | null): string {
  return (set?.lessons ?? []).map((l) => l.text).join('\n');
}

/**
 * The lessons a person typed, one a line (blank lines dropped): a line that is unchanged from the
 * current set keeps the feedback it was distilled from; a new or edited line has none.
 */
export function lessonsFromText(text: string, current: LessonSet | null): LessonInput[] {
  const sourcesOf = new Map((current?.lessons ?? []).map((l) => [l.text, l.sources]));
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => {
      const sources = sourcesOf.get(line);
      return sources && sources.length > 0 ? { text: line, sources } : { text: line };
    });
}

/** Why these lessons would be refused, or null when they are within the limits. */
export function lessonsProblem(lessons: readonly LessonInput[]): string | null {
  if (lessons.length > MAX_LESSONS) return `${lessons.length} lessons; at most ${MAX_LESSONS}.`;
  const long = lessons.findIndex((l) => l.text.length > LESSON_MAX_CHARS);
  if (long >= 0) return `Line ${long + 1} is ${lessons[long]?.text.length} characters; a lesson has at most ${LESSON_MAX_CHARS}.`;
  return null;
}

/** "version 3, written by a person" / "version 2, distilled from feedback". */
export function lessonSetLabel(set: LessonSet): string {
  return `version ${set.version}, ${set.source === 'person' ? 'written by a person' : 'distilled from feedback'}`;
}
