import { z, type ZodType } from 'zod';

/**
 * Every job the product enqueues, with its payload schema. Payloads carry ids only: content
 * lives in Postgres, and job data in Redis is clear text. `trace` carries the W3C trace
 * context so one trace follows a task across processes.
 */
const Trace = z.record(z.string(), z.string()).optional();
const Ids = { tenantId: z.string().min(1).max(64), taskId: z.uuid(), trace: Trace };

export const StepJob = z.object({ ...Ids, iteration: z.int().min(1) });
export type StepJob = z.infer<typeof StepJob>;

export const WaveJob = z.object({
  ...Ids,
  iteration: z.int().min(1),
  wave: z.int().min(1),
  /** A wave of subtasks resumed after a person decided on their tool calls: which they are. */
  resumed: z.array(z.uuid()).min(1).max(50).optional(),
});
export type WaveJob = z.infer<typeof WaveJob>;

export const FinalizeJob = z.object({ ...Ids });
export type FinalizeJob = z.infer<typeof FinalizeJob>;

export const DeadlineJob = z.object({ ...Ids });
export type DeadlineJob = z.infer<typeof DeadlineJob>;

export const SubtaskJob = z.object({ ...Ids, subtaskId: z.uuid() });
export type SubtaskJob = z.infer<typeof SubtaskJob>;

/** Continue a task after a person's decision on `approvalId` (or its expiry). */
export const ResumeJob = z.object({ ...Ids, approvalId: z.uuid() });
export type ResumeJob = z.infer<typeof ResumeJob>;

/** Tell the task's callback_url that a person is asked (`approval.requested`). */
export const ApprovalWebhookJob = z.object({ ...Ids, approvalId: z.uuid() });
export type ApprovalWebhookJob = z.infer<typeof ApprovalWebhookJob>;

/** Deliver the task's terminal status to its callback_url (the task is loaded at delivery). */
export const WebhookJob = z.object({ ...Ids });
export type WebhookJob = z.infer<typeof WebhookJob>;

/** Score one case of an evaluation run once its task has ended (the case and the result are loaded from Postgres). */
export const EvaluateJob = z.object({ tenantId: z.string().min(1).max(64), runId: z.uuid(), caseId: z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/), trace: Trace });
export type EvaluateJob = z.infer<typeof EvaluateJob>;

/** Distil an agent type's new feedback into its lessons (no task: a network's agent type). */
export const LessonsJob = z.object({ tenantId: z.string().min(1).max(64), networkId: z.uuid(), agentType: z.string().min(1).max(40), trace: Trace });
export type LessonsJob = z.infer<typeof LessonsJob>;

/** A queue's jobs: each job name maps to its payload schema. */
export type JobCatalog = Record<string, ZodType>;

export const WEBHOOK_JOBS = { webhook: WebhookJob, approval: ApprovalWebhookJob } as const;

export const COORDINATOR_JOBS = {
  step: StepJob,
  wave: WaveJob,
  finalize: FinalizeJob,
  deadline: DeadlineJob,
  resume: ResumeJob,
  lessons: LessonsJob,
  evaluate: EvaluateJob,
} as const;

export const AGENT_JOBS = { subtask: SubtaskJob } as const;

/** What a handler knows about the delivery of its job besides the payload. */
export interface JobDelivery<L> {
  id: string | undefined;
  name: string;
  /** Attempts made before this one (BullMQ's attemptsMade). */
  attemptsMade: number;
  attempts: number;
  /** The job span's carrier: jobs enqueued while handling it join its trace. */
  trace: Record<string, string> | undefined;
  /** The process logger with the job's task, network and agent type. */
  logger: L;
  /** Fires when the process gives up waiting for the job at shutdown (its lock is handed back). */
  shutdown: AbortSignal;
}

/**
 * One handler per job of a catalog, each receiving its own payload type: the consumer parses the
 * payload with the catalog's schema, then calls the handler of that name — typed end to end.
 */
export type JobHandlers<C extends JobCatalog, L> = { [K in keyof C]: (data: z.infer<C[K]>, delivery: JobDelivery<L>) => Promise<unknown> };

/**
 * Job ids derived from what the job is about: a repeated enqueue of the same step is a no-op
 * while the first job exists. (BullMQ custom ids cannot contain ':'.) Postgres guards remain the
 * real idempotency: removed jobs free their ids.
 */
export const jobIds = {
  step: (taskId: string, iteration: number) => `step-${taskId}-${iteration}`,
  /** A resumed wave (see WaveJob.resumed) has a suffix of its own: the wave it continues may still be running its last step. */
  wave: (taskId: string, iteration: number, wave: number, resumed?: string) => `wave-${taskId}-${iteration}-${wave}${resumed ? `-${resumed}` : ''}`,
  resume: (approvalId: string) => `resume-${approvalId}`,
  /** One distillation at a time per agent type of a network: a repeat while it is waiting or running is a no-op. */
  lessons: (networkId: string, agentType: string) => `lessons-${networkId}-${agentType}`,
  approvalWebhook: (approvalId: string) => `approval-webhook-${approvalId}`,
  finalize: (taskId: string) => `finalize-${taskId}`,
  deadline: (taskId: string) => `deadline-${taskId}`,
  webhook: (taskId: string) => `webhook-${taskId}`,
  evaluate: (runId: string, caseId: string) => `evaluate-${runId}-${caseId}`,
  subtask: (subtaskId: string, generation = 0) => (generation === 0 ? `subtask-${subtaskId}` : `subtask-${subtaskId}-r${generation}`),
};
