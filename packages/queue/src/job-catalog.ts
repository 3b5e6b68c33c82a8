import { z } from 'zod';

/**
 * Every job the product enqueues, with its payload schema. Payloads carry ids only: content
 * lives in Postgres, and job data in Redis is clear text. `trace` carries the W3C trace
 * context so one trace follows a task across processes.
 */
const Trace = z.record(z.string(), z.string()).optional();
const Ids = { tenantId: z.string().min(1).max(64), taskId: z.uuid(), trace: Trace };

export const StepJob = z.object({ ...Ids, iteration: z.int().min(1) });
export type StepJob = z.infer<typeof StepJob>;

export const WaveJob = z.object({ ...Ids, iteration: z.int().min(1), wave: z.int().min(1) });
export type WaveJob = z.infer<typeof WaveJob>;

export const FinalizeJob = z.object({ ...Ids });
export type FinalizeJob = z.infer<typeof FinalizeJob>;

export const DeadlineJob = z.object({ ...Ids });
export type DeadlineJob = z.infer<typeof DeadlineJob>;

export const SubtaskJob = z.object({ ...Ids, subtaskId: z.uuid() });
export type SubtaskJob = z.infer<typeof SubtaskJob>;

/** Deliver the task's terminal status to its callback_url (the task is loaded at delivery). */
export const WebhookJob = z.object({ ...Ids });
export type WebhookJob = z.infer<typeof WebhookJob>;

export const WEBHOOK_JOBS = { webhook: WebhookJob } as const;

export const COORDINATOR_JOBS = {
  step: StepJob,
  wave: WaveJob,
  finalize: FinalizeJob,
  deadline: DeadlineJob,
} as const;
export type CoordinatorJobName = keyof typeof COORDINATOR_JOBS;
export type CoordinatorJobData = { [K in CoordinatorJobName]: z.infer<(typeof COORDINATOR_JOBS)[K]> };

export const AGENT_JOBS = { subtask: SubtaskJob } as const;

/**
 * Job ids derived from what the job is about: a repeated enqueue of the same step is a no-op
 * while the first job exists. (BullMQ custom ids cannot contain ':'.) Postgres guards remain the
 * real idempotency: removed jobs free their ids.
 */
export const jobIds = {
  step: (taskId: string, iteration: number) => `step-${taskId}-${iteration}`,
  wave: (taskId: string, iteration: number, wave: number) => `wave-${taskId}-${iteration}-${wave}`,
  finalize: (taskId: string) => `finalize-${taskId}`,
  deadline: (taskId: string) => `deadline-${taskId}`,
  webhook: (taskId: string) => `webhook-${taskId}`,
  subtask: (subtaskId: string, generation = 0) => (generation === 0 ? `subtask-${subtaskId}` : `subtask-${subtaskId}-r${generation}`),
};
