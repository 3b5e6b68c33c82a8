import { z } from 'zod';
import { AgentType } from './agent';
import { cleanText } from './json';

/*
 * People's feedback on finished tasks, and the lessons distilled from it: each agent type of a
 * network keeps a short, versioned list of guidelines that its prompts carry.
 */

export const FEEDBACK_LIMITS = { maxCommentLength: 2_000, maxCorrectionLength: 8_000, maxListLimit: 200, defaultListLimit: 50 } as const;

export const LESSON_LIMITS = {
  /** Guidelines a lesson set holds (distilled or set by a person). */
  maxLessons: 20,
  /** Guidelines a distillation keeps: the prompt should stay short. */
  maxDistilledLessons: 10,
  maxLessonLength: 500,
  maxSources: 20,
} as const;

/** `POST …/tasks/{task_id}/feedback`: a rating, and optionally what was wrong and what would have been right. */
export const FeedbackBody = z.strictObject({
  rating: z.int().min(1).max(5),
  comment: cleanText({ min: 1, max: FEEDBACK_LIMITS.maxCommentLength }).optional(),
  /** Feedback on one subtask (its agent type's); without it, on the task (the coordinator's). */
  subtask_id: z.uuid().optional(),
  correction: cleanText({ min: 1, max: FEEDBACK_LIMITS.maxCorrectionLength }).optional(),
});
export type FeedbackBody = z.infer<typeof FeedbackBody>;

export const Feedback = z.object({
  feedback_id: z.uuid(),
  network_id: z.uuid(),
  task_id: z.uuid(),
  subtask_id: z.uuid().nullable(),
  /** Whose work it judges: the subtask's agent type, or `coordinator` for the task's result. */
  agent_type: z.string(),
  rating: z.int(),
  comment: z.string().nullable(),
  correction: z.string().nullable(),
  /** The shared-memory item (type `feedback`) that carries it into retrieval. */
  memory_id: z.uuid().nullable(),
  /** The lessons version that distilled it; null until one has. */
  lesson_version: z.int().nullable(),
  created_at: z.string(),
});
export type Feedback = z.infer<typeof Feedback>;

export const FeedbackList = z.object({ feedback: z.array(Feedback) });
export type FeedbackList = z.infer<typeof FeedbackList>;

export const FeedbackCreated = z.object({ feedback: Feedback });
export type FeedbackCreated = z.infer<typeof FeedbackCreated>;

/** `GET /networks/{id}/feedback`: newest first, of one agent type when given. */
export const NetworkFeedbackQuery = z.strictObject({
  agent_type: AgentType.optional(),
  limit: z.coerce.number().int().min(1).max(FEEDBACK_LIMITS.maxListLimit).default(FEEDBACK_LIMITS.defaultListLimit),
});
export type NetworkFeedbackQuery = z.infer<typeof NetworkFeedbackQuery>;

/** One guideline, with the feedback items it was drawn from. */
export const Lesson = z.object({
  text: z.string(),
  sources: z.array(z.string()),
});
export type Lesson = z.infer<typeof Lesson>;

export const LessonSource = z.enum(['distilled', 'person']);
export type LessonSource = z.infer<typeof LessonSource>;

export const LessonSet = z.object({
  version: z.int(),
  source: LessonSource,
  lessons: z.array(Lesson),
  created_at: z.string(),
});
export type LessonSet = z.infer<typeof LessonSet>;

export const Lessons = z.object({
  agent_id: z.uuid(),
  agent_type: z.string(),
  /** The set the agent's prompts carry now; null when there is none (or it was cleared). */
  current: LessonSet.nullable(),
  /** Every version, newest first, the current one included. */
  history: z.array(LessonSet),
  /** Feedback on this agent type not yet distilled into lessons. */
  pending_feedback: z.int(),
  /** After how many new feedback items lessons are distilled (MESH_LESSON_EVERY; 0: never). */
  lesson_every: z.int(),
});
export type Lessons = z.infer<typeof Lessons>;

/** `PUT …/agents/{agent_id}/lessons`: a person's replacement for the lessons; an empty list clears them. */
export const PutLessonsBody = z.strictObject({
  lessons: z
    .array(
      z.strictObject({
        text: cleanText({ min: 1, max: LESSON_LIMITS.maxLessonLength }),
        sources: z.array(z.uuid()).max(LESSON_LIMITS.maxSources).default([]),
      }),
    )
    .max(LESSON_LIMITS.maxLessons),
});
export type PutLessonsBody = z.infer<typeof PutLessonsBody>;

/**
 * What the distillation model call answers: numbered guidelines, each citing feedback ids. Sent
 * to the providers as a JSON schema too, so it carries no bounds their strict modes refuse; the
 * engine keeps the first LESSON_LIMITS.maxDistilledLessons and cuts long texts.
 */
export const DistilledLessons = z.object({
  lessons: z.array(z.object({ text: z.string().min(1), sources: z.array(z.string()) })),
});
export type DistilledLessons = z.infer<typeof DistilledLessons>;
