import { z } from 'zod';

/**
 * What the content-safety filter did to one piece of model output: `redact` replaced parts of
 * it (PII, a blocked term), `withhold` replaced all of it with a placeholder that says why.
 */
export const SafetyAction = z.enum(['allow', 'redact', 'withhold']);
export type SafetyAction = z.infer<typeof SafetyAction>;

/** One flagged piece of a task's output, as recorded on the task. */
export const SafetyItem = z.object({
  /** `subtask <key>`, `subtask <key> reasoning`, `subtask <key> memories`, `result`, `result explanation`, `coordinator memories`. */
  where: z.string(),
  action: SafetyAction.exclude(['allow']),
  /** Why, without the flagged text itself: `pii: email`, `blocklist: "term"`, `moderation: violence`. */
  reasons: z.array(z.string()),
  subtask_id: z.uuid().optional(),
  iteration: z.int().optional(),
});
export type SafetyItem = z.infer<typeof SafetyItem>;

/** The task's `safety` field: null until something is flagged. */
export const TaskSafety = z.object({
  flagged: z.boolean(),
  items: z.array(SafetyItem),
});
export type TaskSafety = z.infer<typeof TaskSafety>;
