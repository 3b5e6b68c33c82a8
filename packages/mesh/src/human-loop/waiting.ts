import type { Approval, ApprovalKind } from '@mesh/core';
import type { SubtaskRow, TaskRow } from '@mesh/store';
import { announceApprovalRequested, announceTaskStatus } from '@mesh/tasks';
import type { EngineDeps } from '../engine-deps';

/**
 * Asks a person about the task as a whole (its plan or its result) and makes the task wait: one
 * transaction writes the request and moves the task to awaiting_approval. A re-delivered job that
 * asks again finds the first request (by `key`). Returns the request's status: `pending` means
 * the job ends here, holding nothing; the decision enqueues the continuation.
 */
export async function askAboutTask(
  deps: EngineDeps,
  task: Pick<TaskRow, 'id' | 'tenant_id' | 'network_id' | 'callback_url'>,
  request: { key: string; kind: Extract<ApprovalKind, 'plan' | 'result'>; subject: Approval['subject'] },
): Promise<{ status: Approval['status']; resumed: boolean }> {
  const { approval, created, parked } = await deps.store.approvals.requestForTask({ tenantId: task.tenant_id, taskId: task.id, ...request });
  if (parked) await taskWaits(deps, parked);
  if (created || parked) await announceApprovalRequested(deps, approval, task);
  return { status: approval.status, resumed: approval.resumed_at !== null };
}

/** The task has started waiting for a person: said so, and its deadline job removed (waiting is not task time). */
export async function taskWaits(deps: EngineDeps, task: TaskRow): Promise<void> {
  await announceTaskStatus(deps, task);
  await deps.queues.cancelDeadline(task.id);
  deps.logger.info('task waits for a person', { task_id: task.id, network_id: task.network_id });
}

/** The task goes on after waiting: said so, and its deadline job set again at the deadline the wait moved. */
export async function taskGoesOn(deps: EngineDeps, task: TaskRow, trace?: Record<string, string>): Promise<void> {
  await announceTaskStatus(deps, task);
  if (task.deadline_at) await deps.queues.rearmDeadline({ tenantId: task.tenant_id, taskId: task.id, ...(trace ? { trace } : {}) }, task.deadline_at);
}

export function isParked(subtask: Pick<SubtaskRow, 'status'>): boolean {
  return subtask.status === 'awaiting_approval';
}
