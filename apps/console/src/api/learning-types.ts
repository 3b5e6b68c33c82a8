/**
 * The shapes of issue 20's routes (feedback, lessons, stats, evaluations) as the console reads
 * them: @mesh/core's contract, as types only (the console bundles no zod), and what it sends.
 */
export type {
  AssertionOutcome,
  EvalCaseChange,
  EvalCaseResult,
  EvalCaseStatus,
  EvalComparison,
  EvalRun,
  EvalRunStatus,
  Feedback,
  Lesson,
  Lessons,
  LessonSet,
  StatRow,
  StatsReport,
} from '@mesh/core';

/** `POST …/tasks/{task_id}/feedback`; the API checks it (FeedbackBody in @mesh/core). */
export interface FeedbackInput {
  rating: number;
  comment?: string | undefined;
  subtask_id?: string | undefined;
  correction?: string | undefined;
}

/** One line of `PUT …/agents/{agent_id}/lessons`; `sources` are feedback ids. */
export interface LessonInput {
  text: string;
  sources?: string[] | undefined;
}
