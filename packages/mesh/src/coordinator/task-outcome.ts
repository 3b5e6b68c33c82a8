import { describeError, isBudgetExhausted, type TaskResult } from '@mesh/core';
import type { TaskRow } from '@mesh/store';
import { announceTaskStatus } from '@mesh/tasks';
import type { EngineDeps } from '../engine-deps';
import { isAbort, isModelFailure } from '../errors';
import { callRecorded, type ModelResponse } from '../model-client';
import { screenTaskResult } from '../safety/output-screening';
import { askAboutTask } from '../human-loop/waiting';

/**
 * Ends the task as completed, unless it has already ended — or, when the task's approvals ask for
 * the result to be approved (and this is not the approved result), asks a person first: the
 * screened draft is the request's subject and the task waits.
 */
export async function completeTask(
  deps: EngineDeps,
  task: TaskRow,
  answered: TaskResult,
  response: Pick<ModelResponse<unknown>, 'simulated' | 'recorded'>,
  options: { approved?: boolean } = {},
): Promise<void> {
  // A withheld result still completes the task: its content says it was withheld, `safety` says why.
  const { result, items: safety } = await screenTaskResult(deps.safety, answered);
  if (task.approvals.result && !options.approved) {
    await Promise.all([deps.store.tasks.recordSafety(task.id, safety), callRecorded(response)]);
    await askAboutTask(deps, task, { key: `result:${task.iterations}`, kind: 'result', subject: { iteration: task.iterations, result } });
    return;
  }
  // The last call's usage is committed before the task's status is: a client that polls the task
  // (not only one that hears the announcement) sees all of its usage once it reads `completed`.
  // Written side by side, a poll could land between the two commits and miss the synthesis call.
  await callRecorded(response);
  const done = await deps.store.tasks.complete(task.tenant_id, task.id, { result, simulated: response.simulated, safety });
  if (!done) return;
  // Announced first: whoever waits for the answer hears it one round trip sooner, and a deadline
  // job that fires meanwhile finds the task ended and does nothing.
  await announceTaskStatus(deps, done);
  await deps.queues.cancelDeadline(task.id);
  deps.logger.info('task completed', { task_id: task.id, network_id: task.network_id, iterations: done.iterations });
}

/** Ends the task as failed with `error`, unless it has already ended. */
export async function failTask(deps: EngineDeps, tenantId: string, taskId: string, error: string): Promise<void> {
  const failed = await deps.store.tasks.fail(tenantId, taskId, error);
  if (!failed) return;
  await deps.queues.cancelDeadline(taskId);
  await announceTaskStatus(deps, failed);
  deps.logger.warn('task failed', { task_id: taskId, network_id: failed.network_id, error });
}

/**
 * Handles a model failure inside a coordinator job: a deadline or stop aborts quietly (the
 * deadline job or the stopper records the outcome); when the model layer has given up, the
 * task fails with its reason; anything else is rethrown for BullMQ to retry.
 */
export async function onCoordinatorError(deps: EngineDeps, task: TaskRow, what: string, err: unknown): Promise<void> {
  if (isAbort(err)) {
    deps.logger.info('coordinator call aborted', { task_id: task.id, what });
    return;
  }
  if (isBudgetExhausted(err)) {
    await failTask(deps, task.tenant_id, task.id, err instanceof Error ? err.message : describeError(err));
    return;
  }
  if (isModelFailure(err)) {
    await failTask(deps, task.tenant_id, task.id, `${what}: ${describeError(err)}`);
    return;
  }
  throw err;
}
