import { ServiceUnavailableError, type TaskStatus } from '@mesh/core';
import type { TaskRow } from '@mesh/store';
import type { TaskControlDeps } from './task-control-deps';
import { announceTaskStatus } from './task-status-announcer';

export type StartOutcome = { started: true; task: TaskRow } | { started: false };

/**
 * pending → queued: starts the deadline clock and enqueues iteration 1. Idempotent: a second
 * call changes nothing (started: false). If Redis refuses the jobs the task goes back to
 * pending and the caller gets 503, so nothing is left half-started.
 */
export async function startTask(deps: TaskControlDeps, tenantId: string, taskId: string, trace?: Record<string, string>): Promise<StartOutcome> {
  const task = await deps.store.tasks.markQueued(tenantId, taskId);
  if (!task) return { started: false };
  const ids = { tenantId, taskId, ...(trace ? { trace } : {}) };
  // Counted as the task starts (not waited for: shares are read from a cache anyway).
  void deps.queues.load.started(tenantId);
  try {
    // Both at once: the first step is on the task's critical path, the deadline job is not.
    await Promise.all([
      task.deadline_at ? deps.queues.enqueueDeadline(ids, task.deadline_at) : undefined,
      deps.queues.enqueueStep({ ...ids, iteration: 1 }, task.priority),
    ]);
  } catch (err) {
    await deps.store.tasks.revertToPending(tenantId, taskId);
    void deps.queues.load.ended(tenantId);
    await deps.queues.removeTaskJobs(taskId, [], 1).catch(() => 0);
    deps.logger.error('could not enqueue task', { task_id: taskId, error: err });
    throw new ServiceUnavailableError('The queue is unavailable; the task was not started. Retry later.', err);
  }
  await announceTaskStatus(deps, task);
  deps.logger.info('task queued', { task_id: taskId, network_id: task.network_id, priority: task.priority });
  return { started: true, task };
}

/**
 * Ends an unfinished task as cancelled or timed_out: status guarded in SQL, open subtasks
 * skipped, waiting jobs removed, an event published. Returns false when it had already ended.
 */
export async function stopTask(
  deps: TaskControlDeps,
  tenantId: string,
  taskId: string,
  status: Extract<TaskStatus, 'cancelled' | 'timed_out'>,
  reason: string,
): Promise<boolean> {
  const open = await deps.store.tasks.openSubtasks(taskId);
  const stopped = await deps.store.tasks.stop(tenantId, taskId, status, reason);
  if (!stopped) return false;
  await deps.queues.removeTaskJobs(taskId, open, Math.max(1, stopped.iterations)).catch((err: unknown) => {
    deps.logger.warn('could not remove jobs of a stopped task', { task_id: taskId, error: err });
  });
  deps.events.publishStop(taskId, reason);
  await announceTaskStatus(deps, stopped);
  deps.logger.info('task stopped', { task_id: taskId, status, reason });
  return true;
}
