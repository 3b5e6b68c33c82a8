import { z } from 'zod';
import { SubtaskStatus, TaskStatus } from './status';

/** Events published for a task (Redis pub/sub → SSE, `?wait`, webhooks). */
export const TaskEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('task.status'), task_id: z.string(), status: TaskStatus, iteration: z.int(), at: z.string() }),
  z.object({
    type: z.literal('subtask.status'),
    task_id: z.string(),
    subtask_id: z.string(),
    key: z.string(),
    agent_type: z.string(),
    status: SubtaskStatus,
    at: z.string(),
  }),
]);
export type TaskEvent = z.infer<typeof TaskEvent>;
