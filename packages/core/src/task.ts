import { z } from 'zod';
import { cleanText, isCleanString, JsonObject } from './json';
import { TaskSafety } from './safety';
import { SubtaskStatus, TaskStatus } from './status';
import { ToolCallView } from './tool';
import { ApprovalOverrides, ApprovalSettings, HumanFeedback } from './approval';
import { AttachmentInput, AttachmentMeta } from './attachment';

export const TASK_LIMITS = { maxTaskLength: 20_000, maxWaitSeconds: 120 } as const;

/** 1 is the most urgent, 10 the least (BullMQ priorities run the same way). */
export const Priority = z.int().min(1).max(10);

export const SubmitTaskBody = z.strictObject({
  task: cleanText({ min: 1, max: TASK_LIMITS.maxTaskLength }),
  context: JsonObject.default({}),
  priority: Priority.default(5),
  /** An absolute deadline; the earlier of this and the network's `timeout_seconds` wins. */
  deadline: z.iso
    .datetime({ offset: true })
    // ISO 8601 has a year 0000; PostgreSQL's timestamps do not (it is 1 BC there) and refuse it.
    .refine((v) => {
      const year = new Date(v).getUTCFullYear();
      return year >= 1 && year <= 9999;
    }, 'must be between the years 0001 and 9999 (UTC)')
    .optional(),
  /** Start processing at once (the same as calling `/process` right after). */
  process: z.boolean().default(false),
  callback_url: z
    .url({ protocol: /^https?$/ })
    .max(2000)
    .refine(isCleanString, { message: 'must not contain NUL bytes or invalid unicode' })
    .optional(),
  /** Narrows or widens the network's approval settings for this task. */
  approvals: ApprovalOverrides.optional(),
  /**
   * Files for the task: inline (`data_base64`) or fetched once from a `url`. A multipart submit
   * sends them as file parts instead. The server's limits (count, bytes a file, bytes a task) apply.
   */
  attachments: z.array(AttachmentInput).max(100).optional(),
});
export type SubmitTaskBody = z.infer<typeof SubmitTaskBody>;

export const TaskListQuery = z.strictObject({
  status: TaskStatus.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(20),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});
export type TaskListQuery = z.infer<typeof TaskListQuery>;

/** `?wait=N`: hold the response up to N seconds for a terminal status. */
export const WaitQuery = z.strictObject({
  wait: z.coerce.number().min(0).max(TASK_LIMITS.maxWaitSeconds).optional(),
});
export type WaitQuery = z.infer<typeof WaitQuery>;

export const TaskResult = z.object({
  content: z.string(),
  confidence: z.number().min(0).max(1),
  explanation: z.string(),
});
export type TaskResult = z.infer<typeof TaskResult>;

export const Usage = z.object({
  input_tokens: z.int(),
  output_tokens: z.int(),
  cost_usd: z.number(),
  llm_calls: z.int(),
});
export type Usage = z.infer<typeof Usage>;

export const Subtask = z.object({
  id: z.uuid(),
  subtask_id: z.uuid(),
  iteration: z.int(),
  key: z.string(),
  agent_type: z.string(),
  agent_id: z.uuid().nullable(),
  description: z.string(),
  depends_on: z.array(z.string()),
  /** The names of the task's attachments this subtask was given. */
  attachments: z.array(z.string()).default([]),
  status: SubtaskStatus,
  result: z.string().nullable(),
  confidence: z.number().nullable(),
  reasoning: z.string().nullable(),
  model: z.string().nullable(),
  attempts: z.int(),
  worker_id: z.string().nullable(),
  error: z.string().nullable(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
  duration_ms: z.int().nullable(),
  /** The subtask's tool calls in the order the model made them (results truncated). */
  tool_calls: z.array(ToolCallView).default([]),
});
export type Subtask = z.infer<typeof Subtask>;

export const Task = z.object({
  id: z.uuid(),
  task_id: z.uuid(),
  network_id: z.uuid(),
  task: z.string(),
  context: z.record(z.string(), z.unknown()),
  priority: z.int(),
  status: TaskStatus,
  iterations: z.int(),
  max_iterations: z.int(),
  result: TaskResult.nullable(),
  error: z.string().nullable(),
  /** Why part of the output was withheld or redacted by the safety filter; null when nothing was. */
  safety: TaskSafety.nullable(),
  simulated: z.boolean(),
  usage: Usage,
  subtasks: z.array(Subtask).optional(),
  deadline_at: z.string().nullable(),
  trace_id: z.string().nullable(),
  callback_url: z.string().nullable(),
  /** Delivery of the webhook to callback_url: null while owed (or without a callback_url). */
  webhook_status: z.enum(['delivered', 'failed']).nullable(),
  /** Where a person is asked in this task: the network's settings with the task's overrides. */
  approvals: ApprovalSettings,
  approval_timeout_seconds: z.int(),
  /** Since when the task has been waiting for a person (null when it is not waiting). */
  awaiting_since: z.string().nullable(),
  /** Time spent waiting for people so far; it does not count against timeout_seconds. */
  waited_ms: z.int(),
  /** What people said when they rejected a plan or a result. */
  human_feedback: z.array(HumanFeedback),
  /** The files given with the task, in the order they were given. */
  attachments: z.array(AttachmentMeta).default([]),
  /** A playground run: one agent on an ad-hoc input (no coordinator); its result is that agent's answer. */
  playground: z.boolean().optional(),
  created_at: z.string(),
  updated_at: z.string(),
  started_at: z.string().nullable(),
  completed_at: z.string().nullable(),
});
export type Task = z.infer<typeof Task>;

export const TaskList = z.object({ tasks: z.array(Task), total: z.int(), limit: z.int(), offset: z.int() });
export type TaskList = z.infer<typeof TaskList>;

/** `POST /networks/{id}/agents/{agent_id}/playground`: one agent on an ad-hoc input, through the worker pool. */
export const PlaygroundRunBody = z.strictObject({
  input: cleanText({ min: 1, max: TASK_LIMITS.maxTaskLength }),
  context: JsonObject.default({}),
  priority: Priority.default(5),
});
export type PlaygroundRunBody = z.infer<typeof PlaygroundRunBody>;
