import { describeError } from '@mesh/core';
import type { Logger } from '@mesh/observability';
import { EvaluateJob, type AGENT_JOBS, type COORDINATOR_JOBS, type JobDelivery, type JobHandlers } from '@mesh/queue';
import { runDeadline } from './coordinator/deadline';
import { runFinalize } from './coordinator/finalize';
import { runCoordinatorStep } from './coordinator/step';
import { failTask } from './coordinator/task-outcome';
import { runWave } from './coordinator/wave';
import { failEvaluation, runEvaluate } from './evaluation/score-case';
import { runResume } from './human-loop/resume';
import { runDistilLessons } from './learning/distil-lessons';
import type { EngineDeps } from './engine-deps';
import { runSubtask } from './subtask-runner';

/** The engine as a job sees it: its logger carries the job's task and trace ids. */
function forJob(engine: EngineDeps, delivery: JobDelivery<Logger>): EngineDeps {
  return { ...engine, logger: delivery.logger };
}

/** The payload with the job span's carrier: jobs enqueued by the handler join its trace. */
function traced<T extends object>(data: T, delivery: JobDelivery<Logger>): T {
  return delivery.trace ? { ...data, trace: delivery.trace } : data;
}

/** The coordinator queue's jobs, each run by its engine handler, and the policy for those that fail. */
export function coordinatorJobs(engine: EngineDeps): { handlers: JobHandlers<typeof COORDINATOR_JOBS, Logger>; onFailed: (job: FailedJob, err: Error, final: boolean) => void } {
  return { handlers: coordinatorJobHandlers(engine), onFailed: (job, err, final) => onCoordinatorJobFailed(engine, job, err, final) };
}

/** A job that failed, as the consumer reports it. */
export interface FailedJob {
  name: string;
  id: string | undefined;
  data: unknown;
  attemptsMade: number;
}

function coordinatorJobHandlers(engine: EngineDeps): JobHandlers<typeof COORDINATOR_JOBS, Logger> {
  return {
    step: (data, delivery) => runCoordinatorStep(forJob(engine, delivery), traced(data, delivery)),
    wave: (data, delivery) => runWave(forJob(engine, delivery), traced(data, delivery)),
    finalize: (data, delivery) => runFinalize(forJob(engine, delivery), traced(data, delivery)),
    deadline: (data, delivery) => runDeadline(forJob(engine, delivery), traced(data, delivery)),
    resume: (data, delivery) => runResume(forJob(engine, delivery), traced(data, delivery)),
    lessons: (data, delivery) => runDistilLessons(forJob(engine, delivery), data),
    evaluate: (data, delivery) => runEvaluate(forJob(engine, delivery), data),
  };
}

/** The agent-type queues' one job: run the subtask. */
export function agentJobHandlers(engine: EngineDeps): JobHandlers<typeof AGENT_JOBS, Logger> {
  return {
    subtask: (data, delivery) =>
      runSubtask(forJob(engine, delivery), traced(data, delivery), { attemptsMade: delivery.attemptsMade, attempts: delivery.attempts, shutdown: delivery.shutdown }),
  };
}

/**
 * A coordinator job that failed. Once it has exhausted its attempts (not a model failure: those
 * end the task inside the handler), the task would be left hanging: end it with the reason.
 */
function onCoordinatorJobFailed(engine: EngineDeps, job: FailedJob, err: Error, final: boolean): void {
  engine.logger.warn('coordinator job failed', { job_name: job.name, job_id: job.id, attempts_made: job.attemptsMade, error: describeError(err) });
  if (!final || job.name === 'deadline') return;
  // Scoring an evaluation case never ends its (already ended) task: the case is an error instead.
  if (job.name === 'evaluate') {
    const parsed = EvaluateJob.safeParse(job.data);
    if (parsed.success) {
      failEvaluation(engine, parsed.data, describeError(err)).catch((e: unknown) =>
        engine.logger.error('could not record a failed evaluation', { eval_run_id: parsed.data.runId, case_id: parsed.data.caseId, error: describeError(e) }),
      );
    }
    return;
  }
  const data = job.data as { tenantId?: unknown; taskId?: unknown };
  if (typeof data.tenantId !== 'string' || typeof data.taskId !== 'string') return;
  const { tenantId, taskId } = data;
  failTask(engine, tenantId, taskId, `The coordinator's ${job.name} job failed after ${job.attemptsMade} attempts: ${describeError(err)}`).catch((e: unknown) =>
    engine.logger.error('could not fail task after coordinator job failure', { task_id: taskId, error: describeError(e) }),
  );
}
