import { Worker, type Job } from 'bullmq';
import { z } from 'zod';
import { describeError } from '@mesh/core';
import { COORDINATOR_JOBS, COORDINATOR_QUEUE, shareOfPriority, WEBHOOK_JOBS, WEBHOOKS_QUEUE, type JobCatalog, type JobHandlers } from '@mesh/queue';
import type { Logger } from '@mesh/observability';
import { withWorkPriority } from '@mesh/store';
import { runInJobSpan } from './job-span';
import type { Runtime } from './runtime';

export interface JobWorkerOptions<C extends JobCatalog> {
  queue: string;
  /** The queue's job catalog: each payload is parsed with its job's schema before the handler runs. */
  jobs: C;
  handlers: JobHandlers<C, Logger>;
  concurrency: number;
  /** Defaults to MESH_JOB_LOCK_MS; a job that may take longer than that needs a longer lock. */
  lockMs?: number;
  /** Logged with every job (the agent-type queues). */
  agentType?: string;
  /** Fires at shutdown when the grace period is over: handlers that see it hand their job back. */
  shutdown?: AbortSignal;
  /** Every failed attempt; `final` when BullMQ will not try the job again (attempts used, or unrecoverable). */
  onFailed?: (job: FailedJob, err: Error, final: boolean) => void;
}

export interface FailedJob {
  id: string | undefined;
  name: string;
  data: unknown;
  attemptsMade: number;
  attempts: number;
}

/** What a job worker needs of its process's runtime; without a governor, the configured concurrency stays. */
export type JobWorkerRuntime = Pick<Runtime, 'config' | 'logger' | 'redis' | 'tracing'> & Partial<Pick<Runtime, 'governor'>>;

/** What a job whose payload does not parse returns: it is dropped, since retrying cannot fix it. */
export const INVALID_JOB = 'invalid';

/**
 * One BullMQ Worker consuming `queue`: the payload is parsed with the catalog's schema for the
 * job's name, then the handler of that name runs inside the job's span (its logs carry the task
 * and trace ids, the jobs it enqueues carry its context).
 */
export function startJobWorker<C extends JobCatalog>(runtime: JobWorkerRuntime, options: JobWorkerOptions<C>): Worker {
  const { config, logger } = runtime;
  const shutdown = options.shutdown ?? new AbortController().signal;
  const run = async <K extends keyof C & string>(job: Job, name: K): Promise<unknown> => {
    // The name was checked against the catalog (see below), so its schema is there.
    const schema = options.jobs[name] as C[K];
    const parsed = z.safeParse<C[K]>(schema, job.data);
    if (!parsed.success) {
      logger.error('invalid job payload', { queue: options.queue, job_name: job.name, job_id: job.id, issues: parsed.error.issues });
      return INVALID_JOB;
    }
    const data = parsed.data as { tenantId?: string; taskId?: string; trace?: Record<string, string> };
    const info = { queue: options.queue, name: job.name, id: job.id, attemptsMade: job.attemptsMade, data, ...(options.agentType ? { agentType: options.agentType } : {}) };
    // The job's tenant share orders its Postgres work in this process too (@mesh/store's work priority).
    return withWorkPriority(shareOfPriority(job.priority ?? job.opts.priority ?? 0), () =>
      runInJobSpan(runtime.tracing.tracer, logger, info, ({ trace, logger: jobLogger }) =>
        options.handlers[name](parsed.data, { id: job.id, name: job.name, attemptsMade: job.attemptsMade, attempts: job.opts.attempts ?? 1, trace, logger: jobLogger, shutdown }),
      ),
    );
  };
  const worker = new Worker(
    options.queue,
    async (job: Job) => {
      if (!Object.hasOwn(options.jobs, job.name)) {
        logger.error('unknown job', { queue: options.queue, job_name: job.name, job_id: job.id });
        return INVALID_JOB;
      }
      return run(job, job.name as keyof C & string);
    },
    {
      connection: runtime.redis,
      prefix: config.queuePrefix,
      concurrency: options.concurrency,
      lockDuration: options.lockMs ?? config.jobs.lockMs,
      stalledInterval: config.jobs.stalledIntervalMs,
      maxStalledCount: 2,
    },
  );
  if (runtime.governor) {
    const release = runtime.governor.govern(worker, options.concurrency);
    worker.on('closed', release);
  }
  if (options.onFailed) {
    const onFailed = options.onFailed;
    worker.on('failed', (job, err) => {
      if (!job) return;
      const attempts = job.opts.attempts ?? 1;
      const final = job.attemptsMade >= attempts || err.name === 'UnrecoverableError';
      onFailed({ id: job.id, name: job.name, data: job.data, attemptsMade: job.attemptsMade, attempts }, err, final);
    });
  }
  worker.on('error', (err) => logger.error('queue worker error', { queue: options.queue, ...(options.agentType ? { agent_type: options.agentType } : {}), error: describeError(err) }));
  return worker;
}

/** A queue's handlers and what to do when one of its jobs fails. */
export interface QueueJobs<C extends JobCatalog> {
  handlers: JobHandlers<C, Logger>;
  onFailed?: JobWorkerOptions<C>['onFailed'];
}

/** The coordinator queue's consumer: step, wave, finalize and deadline jobs. */
export function startCoordinatorWorker(runtime: JobWorkerRuntime, jobs: QueueJobs<typeof COORDINATOR_JOBS>): Worker {
  return startJobWorker(runtime, { queue: COORDINATOR_QUEUE, jobs: COORDINATOR_JOBS, concurrency: runtime.config.coordinator.concurrency, ...jobs });
}

/** The webhooks queue's consumer: deliveries take up to the webhook timeout, so their lock is at least twice that. */
export function startWebhookWorker(runtime: JobWorkerRuntime, jobs: QueueJobs<typeof WEBHOOK_JOBS>, options: { concurrency?: number } = {}): Worker {
  const { config } = runtime;
  return startJobWorker(runtime, {
    queue: WEBHOOKS_QUEUE,
    jobs: WEBHOOK_JOBS,
    concurrency: options.concurrency ?? WEBHOOK_CONCURRENCY,
    lockMs: Math.max(config.jobs.lockMs, config.webhooks.timeoutMs * 2),
    ...jobs,
  });
}

/** Webhook deliveries in flight per coordinator process. */
const WEBHOOK_CONCURRENCY = 10;
