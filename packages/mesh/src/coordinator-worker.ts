import { Worker, type Job } from 'bullmq';
import { describeError } from '@mesh/core';
import { failTask, runCoordinatorStep, runDeadline, runFinalize, runWave } from './coordinator';
import type { EngineDeps } from './engine-deps';
import { runInJobSpan } from './job-span';
import type { Runtime } from './runtime';
import { COORDINATOR_JOBS, COORDINATOR_QUEUE, type CoordinatorJobName } from '@mesh/queue';

/**
 * Consumes the coordinator queue: each job name maps to its payload schema and engine handler.
 * Payloads are parsed before the handler runs; a payload that does not parse is dropped
 * (retrying cannot fix it).
 */
export function startCoordinatorWorker(runtime: Runtime): Worker {
  const { engine, config, logger } = runtime;
  const handlers: { [K in CoordinatorJobName]: (deps: EngineDeps, data: never) => Promise<void> } = {
    step: (deps, data) => runCoordinatorStep(deps, data),
    wave: (deps, data) => runWave(deps, data),
    finalize: (deps, data) => runFinalize(deps, data),
    deadline: (deps, data) => runDeadline(deps, data),
  };

  const worker = new Worker(
    COORDINATOR_QUEUE,
    async (job: Job) => {
      const name = job.name as CoordinatorJobName;
      const schema = COORDINATOR_JOBS[name];
      if (!schema) {
        logger.error('unknown coordinator job', { job_name: job.name, job_id: job.id });
        return;
      }
      const parsed = schema.safeParse(job.data);
      if (!parsed.success) {
        logger.error('invalid coordinator job payload', { job_name: job.name, job_id: job.id, issues: parsed.error.issues });
        return;
      }
      const info = { queue: COORDINATOR_QUEUE, name: job.name, id: job.id, attemptsMade: job.attemptsMade, data: parsed.data };
      // Inside the job's span: its logs carry the task and trace ids, the jobs it enqueues carry its context.
      await runInJobSpan(runtime.tracing.tracer, logger, info, ({ trace, logger: jobLogger }) =>
        handlers[name]({ ...engine, logger: jobLogger }, { ...parsed.data, ...(trace ? { trace } : {}) } as never),
      );
    },
    {
      connection: runtime.redis,
      prefix: config.queuePrefix,
      concurrency: config.coordinator.concurrency,
      lockDuration: config.jobs.lockMs,
      stalledInterval: config.jobs.stalledIntervalMs,
      maxStalledCount: 2,
    },
  );

  // A coordinator job that exhausted its attempts (not a model failure: those end the task
  // inside the handler) would leave the task hanging; end it with the reason instead.
  worker.on('failed', (job, err) => {
    if (!job) return;
    const attempts = job.opts.attempts ?? 1;
    logger.warn('coordinator job failed', { job_name: job.name, job_id: job.id, attempts_made: job.attemptsMade, error: describeError(err) });
    if (job.attemptsMade < attempts && err.name !== 'UnrecoverableError') return;
    const data = job.data as { tenantId?: string; taskId?: string };
    if (!data.tenantId || !data.taskId || job.name === 'deadline') return;
    failTask(engine, { id: data.taskId, tenant_id: data.tenantId, network_id: '' }, `The coordinator's ${job.name} job failed after ${job.attemptsMade} attempts: ${describeError(err)}`).catch(
      (e: unknown) => logger.error('could not fail task after coordinator job failure', { task_id: data.taskId, error: describeError(e) }),
    );
  });
  worker.on('error', (err) => logger.error('coordinator worker error', { error: describeError(err) }));
  return worker;
}
