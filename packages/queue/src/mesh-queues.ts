import { FlowProducer, Queue, type FlowJob, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { PLAN_LIMITS } from '@mesh/core';
import { agentQueueName, COORDINATOR_QUEUE, WEBHOOKS_QUEUE } from './queue-names';
import { fairPriority, TenantLoad } from './tenant-load';
import { jobIds, type ApprovalWebhookJob, type DeadlineJob, type EvaluateJob, type FinalizeJob, type LessonsJob, type ResumeJob, type StepJob, type SubtaskJob, type WaveJob, type WebhookJob } from './job-catalog';

export interface MeshQueuesOptions {
  connection: Redis;
  prefix: string;
  /** Tenants' weights for fair scheduling (MESH_TENANT_WEIGHTS; default 1 each). */
  tenantWeights?: Readonly<Record<string, number>>;
  /** Attempts per subtask job before it is failed (the wave still completes). */
  subtaskAttempts?: number;
  /** Attempts per coordinator job (model calls inside already retry and fall back). */
  coordinatorAttempts?: number;
  /** Attempts per webhook delivery, and the first back-off delay (doubling each time). */
  webhookAttempts?: number;
  webhookBackoffMs?: number;
  /**
   * Ended jobs kept per queue for Bull Board, the newest up to the count and no older than the
   * age (trimmed as later jobs end); a count or age of 0 keeps none. Postgres holds the results,
   * so this is history for operators only and bounds Redis memory.
   */
  keepCompletedCount?: number;
  keepCompletedSeconds?: number;
  keepFailedCount?: number;
  keepFailedSeconds?: number;
}

const DEFAULTS = {
  subtaskAttempts: 3,
  coordinatorAttempts: 5,
  webhookAttempts: 8,
  webhookBackoffMs: 5_000,
  keepCompletedCount: 1000,
  keepCompletedSeconds: 3600,
  keepFailedCount: 5000,
  keepFailedSeconds: 24 * 3600,
};

const KEEP_OPTIONS = ['keepCompletedCount', 'keepCompletedSeconds', 'keepFailedCount', 'keepFailedSeconds'] as const;

// Delivered webhooks are kept an hour whatever the settings: their job id de-duplicates repeated
// announcements of a task's end (see enqueueWebhook).
const WEBHOOK_DELIVERED_KEEP = { age: 3600, count: 10_000 } as const;

type KeepJobs = { age: number; count: number } | true;

function keepJobs(count: number, seconds: number): KeepJobs {
  return count === 0 || seconds === 0 ? true : { age: seconds, count };
}

/**
 * The BullMQ priority (lower runs first) of a task's job: the task's own priority (1–10) comes
 * first; within it, work of tasks already started (waves, subtasks, later steps, finalize) runs
 * before the first step of a new task, so a backlog drains task by task instead of starting every
 * task and finishing them all at the end.
 */
export function jobPriority(taskPriority: number, stage: 'start' | 'continue'): number {
  return taskPriority * 2 - (stage === 'continue' ? 1 : 0);
}

export interface WaveChild {
  subtaskId: string;
  agentType: string;
  generation?: number;
}

/** Producer side of every queue: the one place that knows job names, ids and options. */
export class MeshQueues {
  readonly prefix: string;
  private readonly connection: Redis;
  private readonly options: typeof DEFAULTS;
  private readonly keep: { removeOnComplete: KeepJobs; removeOnFail: KeepJobs };
  private readonly queues = new Map<string, Queue>();
  private flowProducer: FlowProducer | undefined;
  /** Each tenant's share of what runs: it orders jobs across tenants (see TenantLoad). */
  readonly load: TenantLoad;

  constructor(options: MeshQueuesOptions) {
    this.connection = options.connection;
    this.prefix = options.prefix;
    this.load = new TenantLoad(options.connection, options.prefix, options.tenantWeights ? { weights: options.tenantWeights } : {});
    this.options = {
      ...DEFAULTS,
      ...stripUndefined({
        subtaskAttempts: options.subtaskAttempts,
        coordinatorAttempts: options.coordinatorAttempts,
        webhookAttempts: options.webhookAttempts,
        webhookBackoffMs: options.webhookBackoffMs,
        keepCompletedCount: options.keepCompletedCount,
        keepCompletedSeconds: options.keepCompletedSeconds,
        keepFailedCount: options.keepFailedCount,
        keepFailedSeconds: options.keepFailedSeconds,
      }),
    };
    for (const name of KEEP_OPTIONS) {
      const value = this.options[name];
      if (!Number.isInteger(value) || value < 0) throw new Error(`MeshQueues: ${name} must be a non-negative integer, got ${value}`);
    }
    this.keep = {
      removeOnComplete: keepJobs(this.options.keepCompletedCount, this.options.keepCompletedSeconds),
      removeOnFail: keepJobs(this.options.keepFailedCount, this.options.keepFailedSeconds),
    };
  }

  queue(name: string): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.connection, prefix: this.prefix });
      queue.on('error', () => {});
      this.queues.set(name, queue);
    }
    return queue;
  }

  get coordinator(): Queue {
    return this.queue(COORDINATOR_QUEUE);
  }

  private get flows(): FlowProducer {
    if (!this.flowProducer) {
      this.flowProducer = new FlowProducer({ connection: this.connection, prefix: this.prefix });
      this.flowProducer.on('error', () => {});
    }
    return this.flowProducer;
  }

  private coordinatorOptions(jobId: string, priority: number, extra: JobsOptions = {}): JobsOptions {
    return {
      jobId,
      priority,
      attempts: this.options.coordinatorAttempts,
      backoff: { type: 'exponential', delay: 500 },
      ...this.keep,
      ...extra,
    };
  }

  /** The BullMQ priority of a job of `tenantId`'s task: the tenant's share first, then the task's priority and stage. */
  private async priorityOf(tenantId: string, taskPriority: number, stage: 'start' | 'continue'): Promise<number> {
    return fairPriority(await this.load.share(tenantId), jobPriority(taskPriority, stage));
  }

  async enqueueStep(data: StepJob, priority: number): Promise<void> {
    const stage = data.iteration === 1 ? 'start' : 'continue';
    const jobId = jobIds.step(data.taskId, data.iteration);
    // A task started again after a failed start (revertToPending) may have a first step that was
    // running then (so not removed) and completed as a no-op; kept, it would make this add a no-op
    // too and leave the task queued with no job until the recovery sweeper notices.
    const [fair] = await Promise.all([
      this.priorityOf(data.tenantId, priority, stage),
      data.iteration === 1 && this.keep.removeOnComplete !== true ? this.removeEnded(COORDINATOR_QUEUE, jobId) : undefined,
    ]);
    await this.coordinator.add('step', data, this.coordinatorOptions(jobId, fair));
  }

  async enqueueFinalize(data: FinalizeJob, priority: number): Promise<void> {
    await this.coordinator.add('finalize', data, this.coordinatorOptions(jobIds.finalize(data.taskId), await this.priorityOf(data.tenantId, priority, 'continue')));
  }

  /** A delayed job that ends the task as timed_out if it is still unfinished at its deadline. */
  async enqueueDeadline(data: DeadlineJob, deadlineAt: Date): Promise<void> {
    const delay = Math.max(0, deadlineAt.getTime() - Date.now());
    await this.coordinator.add('deadline', data, this.coordinatorOptions(jobIds.deadline(data.taskId), 1, { delay }));
  }

  /** The deadline job again, at a deadline moved by the time the task waited for a person. */
  async rearmDeadline(data: DeadlineJob, deadlineAt: Date): Promise<void> {
    await this.cancelDeadline(data.taskId);
    await this.enqueueDeadline(data, deadlineAt);
  }

  /** The continuation of a decision: one job per approval (a repeated enqueue is a no-op while it is kept). */
  async enqueueResume(data: ResumeJob, priority: number): Promise<void> {
    await this.coordinator.add('resume', data, this.coordinatorOptions(jobIds.resume(data.approvalId), await this.priorityOf(data.tenantId, priority, 'continue')));
  }

  /** Scores one case of an evaluation run: one job per case (a repeated enqueue is a no-op while it is kept; scoring is guarded in Postgres). */
  async enqueueEvaluate(data: EvaluateJob): Promise<void> {
    await this.coordinator.add('evaluate', data, this.coordinatorOptions(jobIds.evaluate(data.runId, data.caseId), await this.priorityOf(data.tenantId, 5, 'continue')));
  }

  /**
   * Distils an agent type's new feedback into lessons. A repeat while one is waiting or running is
   * a no-op (the job id); one that has ended is removed first, so the next threshold enqueues again.
   */
  async enqueueLessons(data: LessonsJob): Promise<void> {
    const jobId = jobIds.lessons(data.networkId, data.agentType);
    await this.removeEnded(COORDINATOR_QUEUE, jobId);
    // Below every task's work: lessons help later tasks, never the ones running now.
    await this.coordinator.add('lessons', data, this.coordinatorOptions(jobId, await this.priorityOf(data.tenantId, 10, 'start')));
  }

  /**
   * Whether a job is still going to run or running: waiting, delayed, prioritized, active or
   * waiting for its children. Completed, failed and missing jobs are not live.
   */
  async isLive(queueName: string, jobId: string): Promise<boolean> {
    const state = await this.queue(queueName).getJobState(jobId);
    return state !== 'unknown' && state !== 'completed' && state !== 'failed';
  }

  /** Removes a job that has ended (failed, or completed and kept) so its id can be used again; never throws. */
  async removeEnded(queueName: string, jobId: string): Promise<void> {
    const queue = this.queue(queueName);
    const state = await queue.getJobState(jobId).catch(() => 'unknown');
    if (state === 'failed' || state === 'completed') await queue.remove(jobId).catch(() => 0);
  }

  /**
   * One delivery job per finished task (the job id makes a repeated enqueue a no-op while the
   * job is kept), retried with exponential back-off. Delivered jobs are kept an hour for that,
   * whatever keepCompleted* says.
   */
  async enqueueWebhook(data: WebhookJob): Promise<void> {
    await this.queue(WEBHOOKS_QUEUE).add('webhook', data, this.webhookOptions(jobIds.webhook(data.taskId)));
  }

  /** Tells the task's callback_url that a person is asked; one job per approval, retried like the completion webhook. */
  async enqueueApprovalWebhook(data: ApprovalWebhookJob): Promise<void> {
    await this.queue(WEBHOOKS_QUEUE).add('approval', data, this.webhookOptions(jobIds.approvalWebhook(data.approvalId)));
  }

  private webhookOptions(jobId: string): JobsOptions {
    return {
      jobId,
      attempts: this.options.webhookAttempts,
      backoff: { type: 'exponential', delay: this.options.webhookBackoffMs },
      removeOnComplete: WEBHOOK_DELIVERED_KEEP,
      removeOnFail: this.keep.removeOnFail,
    };
  }

  /** Removes the deadline job of a task that has ended; never throws (a leftover deadline job is a no-op). */
  async cancelDeadline(taskId: string): Promise<void> {
    await this.coordinator.remove(jobIds.deadline(taskId)).catch(() => 0);
  }

  /**
   * Dispatches one wave: a parent `wave` job on the coordinator queue whose children are the
   * subtask jobs on their agent-type queues. A failed child does not block the parent
   * (ignoreDependencyOnFailure, see bullmq#3362): the coordinator works with what succeeded.
   */
  async dispatchWave(data: WaveJob, children: WaveChild[], priority: number, options: { jobId?: string } = {}): Promise<void> {
    const fair = await this.priorityOf(data.tenantId, priority, 'continue');
    const flow: FlowJob = {
      name: 'wave',
      queueName: COORDINATOR_QUEUE,
      data,
      opts: this.coordinatorOptions(options.jobId ?? jobIds.wave(data.taskId, data.iteration, data.wave), fair),
      children: children.map((child) => ({
        name: 'subtask',
        queueName: agentQueueName(child.agentType),
        data: { tenantId: data.tenantId, taskId: data.taskId, subtaskId: child.subtaskId, ...(data.trace ? { trace: data.trace } : {}) } satisfies SubtaskJob,
        opts: {
          jobId: jobIds.subtask(child.subtaskId, child.generation),
          priority: fair,
          attempts: this.options.subtaskAttempts,
          backoff: { type: 'exponential', delay: 1000 },
          ignoreDependencyOnFailure: true,
          ...this.keep,
        },
      })),
    };
    await this.flows.add(flow);
  }

  /**
   * Removes the waiting and delayed jobs of a task (cancel, timeout, network delete). Active
   * jobs cannot be removed; their handlers see the task ended and stop.
   */
  async removeTaskJobs(taskId: string, subtasks: { id: string; agent_type: string }[], iterations: number): Promise<number> {
    const coordinatorIds = [jobIds.deadline(taskId), jobIds.finalize(taskId)];
    const waveIds: string[] = [];
    for (let i = 1; i <= iterations + 1; i++) {
      coordinatorIds.push(jobIds.step(taskId, i));
      // Every wave holds at least one subtask, so an iteration has at most maxSubtasks waves.
      for (let w = 1; w <= PLAN_LIMITS.maxSubtasks; w++) waveIds.push(jobIds.wave(taskId, i, w));
    }
    // A wave the recovery sweeper dispatched again has children of another generation (job ids
    // it chose then): read them from the wave parents before those are removed.
    const children = (await Promise.all(waveIds.map((id) => this.waitingChildrenOf(id)))).flat();
    const removals: Promise<number>[] = [];
    for (const id of [...coordinatorIds, ...waveIds]) removals.push(this.coordinator.remove(id).catch(() => 0));
    for (const s of subtasks) removals.push(this.queue(agentQueueName(s.agent_type)).remove(jobIds.subtask(s.id)).catch(() => 0));
    for (const child of children) removals.push(this.queue(child.queue).remove(child.id).catch(() => 0));
    const results = await Promise.all(removals);
    return results.reduce((a, b) => a + b, 0);
  }

  /**
   * Removes the waiting jobs of these subtasks from their agent-type queue (any generation). A
   * removed child no longer holds its wave parent, which runs once its other children are done.
   */
  async removeWaitingSubtaskJobs(agentType: string, subtaskIds: ReadonlySet<string>): Promise<number> {
    if (subtaskIds.size === 0) return 0;
    const queue = this.queue(agentQueueName(agentType));
    let removed = 0;
    for (let start = 0; ; start += 500) {
      const jobs = await queue.getJobs(['waiting', 'prioritized', 'delayed'], start, start + 499);
      for (const job of jobs) {
        const subtaskId = (job?.data as { subtaskId?: unknown } | undefined)?.subtaskId;
        if (typeof subtaskId === 'string' && subtaskIds.has(subtaskId)) removed += await queue.remove(job.id!).catch(() => 0);
      }
      if (jobs.length < 500) return removed;
    }
  }

  /** The unprocessed children of a wave parent (none when it does not exist), as queue and job id. */
  private async waitingChildrenOf(waveId: string): Promise<{ queue: string; id: string }[]> {
    const parent = await this.coordinator.getJob(waveId).catch(() => undefined);
    if (!parent) return [];
    const { unprocessed = [] } = await parent.getDependencies({ unprocessed: { count: PLAN_LIMITS.maxSubtasks } }).catch(() => ({ unprocessed: [] as string[] }));
    // A dependency key is `<prefix>:<queue>:<job id>`; queue names and job ids hold no ':'.
    const keyPrefix = `${this.prefix}:`;
    return unprocessed.flatMap((key) => {
      if (!key.startsWith(keyPrefix)) return [];
      const [queue, id] = key.slice(keyPrefix.length).split(':');
      return queue && id ? [{ queue, id }] : [];
    });
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    await this.flowProducer?.close();
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
