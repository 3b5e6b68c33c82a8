import { describeError } from '@mesh/core';
import { injectTraceContext } from '@mesh/observability';
import type { ApprovalRow } from '@mesh/store';
import type { TaskControlDeps } from './task-control-deps';

type AnnouncedApproval = Pick<ApprovalRow, 'id' | 'tenant_id' | 'task_id' | 'subtask_id' | 'kind' | 'status' | 'expires_at' | 'requested_at'>;

/**
 * A person is asked: the `approval.requested` event (SSE), and the signed webhook to the task's
 * callback_url when it has one. Called once the request row is stored; never throws (the request
 * stands in Postgres either way).
 */
export async function announceApprovalRequested(deps: TaskControlDeps, approval: AnnouncedApproval, task: { callback_url: string | null; network_id: string }): Promise<void> {
  deps.events.publishQuietly({
    type: 'approval.requested',
    task_id: approval.task_id,
    approval_id: approval.id,
    kind: approval.kind,
    subtask_id: approval.subtask_id,
    expires_at: approval.expires_at.toISOString(),
    at: new Date().toISOString(),
  });
  deps.logger.info('a person is asked', { task_id: approval.task_id, network_id: task.network_id, approval_id: approval.id, kind: approval.kind });
  if (!task.callback_url) return;
  const trace = injectTraceContext();
  try {
    await deps.queues.enqueueApprovalWebhook({ tenantId: approval.tenant_id, taskId: approval.task_id, approvalId: approval.id, ...(trace ? { trace } : {}) });
  } catch (err) {
    deps.logger.error('could not enqueue the approval webhook', { task_id: approval.task_id, approval_id: approval.id, error: describeError(err) });
  }
}

/**
 * A request was decided (or expired): the `approval.decided` event, the decision's latency, and
 * the continuation job. Never throws: when Redis cannot take the job, the recovery sweeper finds
 * the decided request that nothing resumed and enqueues it again.
 */
export async function announceApprovalDecided(deps: TaskControlDeps, approval: AnnouncedApproval & { decided_at: Date | null }, priority: number): Promise<void> {
  const decidedAt = approval.decided_at ?? new Date();
  deps.events.publishQuietly({ type: 'approval.decided', task_id: approval.task_id, approval_id: approval.id, kind: approval.kind, status: approval.status, at: decidedAt.toISOString() });
  deps.metrics?.approvalDecided(approval.kind, approval.status, decidedAt.getTime() - approval.requested_at.getTime());
  const trace = injectTraceContext();
  try {
    await deps.queues.enqueueResume({ tenantId: approval.tenant_id, taskId: approval.task_id, approvalId: approval.id, ...(trace ? { trace } : {}) }, priority);
  } catch (err) {
    deps.logger.error('could not enqueue the continuation of a decision; the recovery sweeper will', { task_id: approval.task_id, approval_id: approval.id, error: describeError(err) });
  }
}
