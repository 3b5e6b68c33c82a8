import { isTerminalTaskStatus } from '@mesh/core';
import { injectTraceContext } from '@mesh/observability';
import type { TaskRow } from '@mesh/store';
import type { TaskControlDeps } from './task-control-deps';

export type AnnouncedTask = Pick<TaskRow, 'id' | 'tenant_id' | 'network_id' | 'status' | 'iterations' | 'started_at' | 'callback_url' | 'evaluated'>;

/**
 * The one place a task status transition is made known, called right after the guarded SQL
 * transition succeeded (so exactly once per transition across the fleet): the task event is
 * published (SSE, `?wait`), the transition counted, and, for a terminal status of a task with a
 * `callback_url`, its webhook delivery enqueued (and, for a task that runs a case of an evaluation,
 * the case's scoring). Never throws: Postgres already holds the outcome.
 */
export async function announceTaskStatus(deps: TaskControlDeps, task: AnnouncedTask): Promise<void> {
  const at = new Date();
  deps.events.publishQuietly({ type: 'task.status', task_id: task.id, status: task.status, iteration: task.iterations, at: at.toISOString() });
  // in_progress is entered once per iteration; count it once per task.
  if (task.status !== 'in_progress' || task.iterations <= 1) deps.metrics?.taskStatus(task.status, task.started_at, at);
  if (!isTerminalTaskStatus(task.status)) return;
  void deps.queues.load.ended(task.tenant_id);
  const trace = injectTraceContext();
  if (task.evaluated) await enqueueCaseScoring(deps, task, trace);
  if (!task.callback_url) return;
  try {
    await deps.queues.enqueueWebhook({ tenantId: task.tenant_id, taskId: task.id, ...(trace ? { trace } : {}) });
  } catch (err) {
    deps.logger.error('could not enqueue the webhook of a finished task', { task_id: task.id, network_id: task.network_id, error: err });
  }
}

/** A task that runs a case of an evaluation run has its result scored (a lost job is re-enqueued by the recovery sweeper). */
async function enqueueCaseScoring(deps: TaskControlDeps, task: AnnouncedTask, trace: Record<string, string> | undefined): Promise<void> {
  try {
    const evalCase = await deps.store.evals.caseOfTask(task.id);
    if (!evalCase) return;
    await deps.queues.enqueueEvaluate({ tenantId: evalCase.tenant_id, runId: evalCase.run_id, caseId: evalCase.case_id, ...(trace ? { trace } : {}) });
  } catch (err) {
    deps.logger.error('could not enqueue the scoring of an evaluation case', { task_id: task.id, network_id: task.network_id, error: err });
  }
}
