import { z } from 'zod';
import { SubtaskStatus, TaskStatus } from './status';
import { ToolCallStatus } from './tool';
import { ApprovalKind, ApprovalStatus } from './approval';

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
  /** A tool call started (running) or ended (completed, failed); `replayed` when a retried subtask took its recorded result. */
  z.object({
    type: z.literal('tool.call'),
    task_id: z.string(),
    subtask_id: z.string(),
    tool_call_id: z.string(),
    tool: z.string(),
    status: ToolCallStatus,
    replayed: z.boolean().optional(),
    duration_ms: z.number().nullable().optional(),
    error: z.string().nullable().optional(),
    at: z.string(),
  }),
  /** A person is asked (the approval's id; read it for the subject). */
  z.object({
    type: z.literal('approval.requested'),
    task_id: z.string(),
    approval_id: z.string(),
    kind: ApprovalKind,
    subtask_id: z.string().nullable(),
    expires_at: z.string(),
    at: z.string(),
  }),
  /** The task's tenant (or network) has used BUDGET_WARNING_RATIO of a budget this period (told once per period). */
  z.object({
    type: z.literal('budget.warning'),
    task_id: z.string(),
    budget_id: z.string(),
    network_id: z.string().nullable(),
    period: z.enum(['day', 'month']),
    used_ratio: z.number(),
    at: z.string(),
  }),
  /** A person decided (approved, rejected, answered), or nobody did in time (expired). */
  z.object({ type: z.literal('approval.decided'), task_id: z.string(), approval_id: z.string(), kind: ApprovalKind, status: ApprovalStatus, at: z.string() }),
]);
export type TaskEvent = z.infer<typeof TaskEvent>;
