import { ConflictError, dependencyDepths, NotFoundError, type Task } from '@mesh/core';
import { COORDINATOR_QUEUE, jobIds } from '@mesh/queue';
import type { TaskControlDeps } from './task-control-deps';
import { announceTaskStatus } from './task-status-announcer';

/**
 * Re-run: a new task in the same network with the same input as `taskId` — its text, context,
 * priority, callback and the approval settings it ran with — stored `pending` for the caller to
 * start. Null when the task is not the tenant's (or not in that network).
 */
export async function copyTaskForRerun(deps: Pick<TaskControlDeps, 'store'>, tenantId: string, networkId: string, taskId: string, options: { traceId?: string } = {}): Promise<Task | null> {
  const original = await deps.store.tasks.getRow(tenantId, taskId);
  if (!original || original.network_id !== networkId) return null;
  return deps.store.tasks.create(
    tenantId,
    networkId,
    {
      task: original.task,
      context: original.context,
      priority: original.priority,
      process: false,
      ...(original.callback_url ? { callback_url: original.callback_url } : {}),
      // The settings it ran with (the network's, with the task's own overrides): the same again.
      approvals: original.approvals,
    },
    // The same files too: new attachment rows over the same blobs.
    { ...options, copyAttachmentsFrom: original.id },
  );
}

/**
 * Retries one failed subtask of an ended task through the queue, as durable as any job: the store
 * reopens the task at the subtask's iteration and queues the subtask (see
 * TaskRepository.reopenForSubtaskRetry), then the subtask is dispatched as a wave of its own — the
 * job id the recovery sweeper expects for that iteration and wave, so a wave lost from Redis is
 * dispatched again — and the deadline job is armed again. When the subtask ends, the coordinator's
 * wave logic moves the iteration on as for any wave: the next plan (or the synthesis) runs and the
 * task's outcome is recomputed. Throws NotFoundError or ConflictError (why it cannot be retried).
 */
export async function retrySubtask(deps: TaskControlDeps, tenantId: string, networkId: string, taskId: string, subtaskId: string, trace?: Record<string, string>): Promise<void> {
  const reopened = await deps.store.tasks.reopenForSubtaskRetry(tenantId, networkId, taskId, subtaskId);
  if ('refused' in reopened) {
    if (reopened.refused === 'not_found') throw new NotFoundError(reopened.detail.startsWith('Task') ? 'Task' : 'Subtask', reopened.detail.startsWith('Task') ? taskId : subtaskId);
    throw new ConflictError(reopened.detail, { reason: reopened.refused });
  }
  const { task, subtask, iterationSubtasks } = reopened;
  const ids = { tenantId, taskId, ...(trace ? { trace } : {}) };
  // Running again: counted as a start for fair scheduling (the end announcement counts it off).
  void deps.queues.load.started(tenantId);
  await announceTaskStatus(deps, task);
  deps.events.publishQuietly({ type: 'subtask.status', task_id: taskId, subtask_id: subtask.id, key: subtask.key, agent_type: subtask.agent_type, status: 'queued', at: new Date().toISOString() });
  const wave = (dependencyDepths(iterationSubtasks).get(subtask.key) ?? 0) + 1;
  const waveId = jobIds.wave(taskId, subtask.iteration, wave);
  // The wave that ran first has ended and may be kept for Bull Board: its id is freed for this one.
  await deps.queues.removeEnded(COORDINATOR_QUEUE, waveId);
  await Promise.all([
    task.deadline_at ? deps.queues.rearmDeadline(ids, task.deadline_at) : undefined,
    deps.queues.dispatchWave({ ...ids, iteration: subtask.iteration, wave }, [{ subtaskId: subtask.id, agentType: subtask.agent_type, generation: Date.now() }], task.priority),
  ]);
  deps.logger.info('subtask retried', { task_id: taskId, subtask_id: subtask.id, key: subtask.key, iteration: subtask.iteration, wave });
}

/**
 * The agent playground: one agent of a network on an ad-hoc input, through the real worker pool —
 * a task of one subtask (stored running, the subtask queued), dispatched as its iteration's wave
 * with its deadline armed. When the subtask has run, the wave logic ends the iteration, and a
 * playground task completes with that agent's answer (or fails with its error) instead of a
 * coordinator's synthesis. Null when the network is not the tenant's.
 */
export async function startPlayground(
  deps: TaskControlDeps,
  tenantId: string,
  networkId: string,
  agent: { id: string; type: string },
  body: { input: string; context: Record<string, unknown>; priority: number },
  options: { traceId?: string; trace?: Record<string, string> } = {},
): Promise<Task | null> {
  const created = await deps.store.tasks.createPlayground(tenantId, networkId, agent, body, options.traceId ? { traceId: options.traceId } : {});
  if (!created) return null;
  const { task, subtask } = created;
  const ids = { tenantId, taskId: task.id, ...(options.trace ? { trace: options.trace } : {}) };
  void deps.queues.load.started(tenantId);
  await announceTaskStatus(deps, task);
  deps.events.publishQuietly({ type: 'subtask.status', task_id: task.id, subtask_id: subtask.id, key: subtask.key, agent_type: subtask.agent_type, status: 'queued', at: new Date().toISOString() });
  try {
    await Promise.all([
      task.deadline_at ? deps.queues.enqueueDeadline(ids, task.deadline_at) : undefined,
      deps.queues.dispatchWave({ ...ids, iteration: 1, wave: 1 }, [{ subtaskId: subtask.id, agentType: subtask.agent_type }], task.priority),
    ]);
  } catch (err) {
    // Stored and running: the recovery sweeper dispatches its wave again (see expectedJob).
    deps.logger.error('could not enqueue a playground run; the recovery sweeper will', { task_id: task.id, error: err });
  }
  deps.logger.info('playground run started', { task_id: task.id, network_id: networkId, agent_type: agent.type });
  return deps.store.tasks.get(tenantId, task.id, networkId);
}
