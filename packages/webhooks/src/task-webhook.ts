import { UnrecoverableError } from 'bullmq';
import type { MeshConfig } from '@mesh/config';
import { describeError, isTerminalTaskStatus, type Approval, type Task } from '@mesh/core';
import type { Logger, MeshMetrics } from '@mesh/observability';
import type { ApprovalWebhookJob, WebhookJob } from '@mesh/queue';
import { toApproval, type Store } from '@mesh/store';
import { deliverWebhook, WebhookRefusedError, type ResolvedAddress } from './webhook-delivery';
import { signWebhookBody, WEBHOOK_HEADERS } from './webhook-signature';

/** What delivering a task's webhook needs. */
export interface TaskWebhookDeps {
  config: Pick<MeshConfig, 'webhooks'>;
  store: Store;
  metrics: MeshMetrics;
  logger: Logger;
  /** Replaces the DNS lookup (tests). */
  resolve?: (hostname: string) => Promise<ResolvedAddress[]>;
}

/** What a receiver gets: the event name and the task as `GET .../tasks/{id}` shows it. */
export interface WebhookPayload {
  event: `task.${Task['status']}`;
  task: Task;
}

export type WebhookOutcome = 'delivered' | 'skipped';

/** The host of a callback URL, for logs (its path and query may carry a receiver's token). */
function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'invalid';
  }
}

/** A delivery attempt of a webhook job. */
export interface WebhookAttempt {
  /** Also the receiver's X-Mesh-Delivery: the same for every attempt of one delivery. */
  jobId: string | undefined;
  attemptsMade: number;
  attempts: number;
}

/**
 * A webhook job: loads the finished task and POSTs `{event, task}` to its callback_url, signed
 * with HMAC-SHA256 over the raw body (X-Mesh-Signature). A failed delivery is thrown for BullMQ
 * to retry with exponential back-off; a refused target (SSRF policy, redirect) is not retried.
 */
export async function deliverTaskWebhook(deps: TaskWebhookDeps, job: WebhookJob, attempt: WebhookAttempt): Promise<WebhookOutcome> {
  const { store, metrics, logger: log } = deps;
  const task = await store.tasks.get(job.tenantId, job.taskId);
  // Deleted, or not finished (a stale job): nothing to announce.
  if (!task?.callback_url || !isTerminalTaskStatus(task.status)) return 'skipped';
  const event = `task.${task.status}` as const;
  const host = hostOf(task.callback_url);
  try {
    const status = await postSigned(deps, task.callback_url, event, JSON.stringify({ event, task } satisfies WebhookPayload), attempt);
    await store.tasks.markWebhook(task.id, 'delivered');
    metrics.webhookDeliveries.inc({ outcome: 'delivered' });
    log.info('webhook delivered', { event, host, status, attempt: attempt.attemptsMade + 1 });
    return 'delivered';
  } catch (err) {
    if (err instanceof WebhookRefusedError) await store.tasks.markWebhook(task.id, 'failed');
    throw failedDelivery(deps, err, { event, host, attempt });
  }
}

/** What a receiver gets when a person is asked: the request (its subject included) and where it belongs. */
export interface ApprovalWebhookPayload {
  event: 'approval.requested';
  approval: Approval;
  task_id: string;
  network_id: string;
}

/**
 * An approval webhook job: tells the task's callback_url that a person is asked, signed like the
 * completion webhook. Every request is announced once delivered, even one decided meanwhile (the
 * approval is sent as it is at delivery: its status says so).
 */
export async function deliverApprovalWebhook(deps: TaskWebhookDeps, job: ApprovalWebhookJob, attempt: WebhookAttempt): Promise<WebhookOutcome> {
  const { store, metrics, logger: log } = deps;
  const [approval, task] = await Promise.all([store.approvals.get(job.tenantId, job.approvalId), store.tasks.getRow(job.tenantId, job.taskId)]);
  if (!approval || !task?.callback_url) return 'skipped';
  const event = 'approval.requested';
  const host = hostOf(task.callback_url);
  const payload: ApprovalWebhookPayload = { event, approval: toApproval(approval), task_id: task.id, network_id: task.network_id };
  try {
    const status = await postSigned(deps, task.callback_url, event, JSON.stringify(payload), attempt);
    metrics.webhookDeliveries.inc({ outcome: 'delivered' });
    log.info('webhook delivered', { event, host, status, attempt: attempt.attemptsMade + 1 });
    return 'delivered';
  } catch (err) {
    throw failedDelivery(deps, err, { event, host, attempt });
  }
}

/** POSTs a signed body (HMAC-SHA256 over the raw body, X-Mesh-Signature) to a callback URL; the receiver's status. */
async function postSigned(deps: TaskWebhookDeps, url: string, event: string, body: string, attempt: WebhookAttempt): Promise<number> {
  const { config } = deps;
  const secret = config.webhooks.secret;
  if (!secret) throw new UnrecoverableError('MESH_WEBHOOK_SECRET is not set: webhooks cannot be signed');
  const { status } = await deliverWebhook({
    url,
    body,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'agent-mesh-webhooks/1',
      [WEBHOOK_HEADERS.signature]: signWebhookBody(secret, body),
      [WEBHOOK_HEADERS.timestamp]: String(Math.floor(Date.now() / 1000)),
      [WEBHOOK_HEADERS.event]: event,
      [WEBHOOK_HEADERS.delivery]: String(attempt.jobId),
    },
    timeoutMs: config.webhooks.timeoutMs,
    allowPrivateAddresses: config.webhooks.allowPrivateAddresses,
    ...(deps.resolve ? { resolve: deps.resolve } : {}),
  });
  return status;
}

/** A failed delivery, counted and logged: a refused target (SSRF policy, redirect) is not retried, anything else is. */
function failedDelivery(deps: TaskWebhookDeps, err: unknown, about: { event: string; host: string; attempt: WebhookAttempt }): Error {
  const { event, host, attempt } = about;
  if (err instanceof WebhookRefusedError) {
    deps.metrics.webhookDeliveries.inc({ outcome: 'refused' });
    deps.logger.warn('webhook refused', { event, host, reason: err.message });
    return new UnrecoverableError(err.message);
  }
  if (err instanceof UnrecoverableError) return err;
  deps.metrics.webhookDeliveries.inc({ outcome: 'failed' });
  deps.logger.warn('webhook delivery failed', { event, host, attempt: attempt.attemptsMade + 1, of: attempt.attempts, error: describeError(err) });
  return err instanceof Error ? err : new Error(describeError(err));
}

/** A delivery given up for good is recorded, so the recovery sweeper does not deliver it again. */
export function onWebhookFailed(deps: Pick<TaskWebhookDeps, 'store' | 'logger'>, job: { id: string | undefined; name?: string; data: unknown; attemptsMade: number }, err: Error, final: boolean): void {
  if (!final) return;
  const taskId = (job.data as { taskId?: unknown }).taskId;
  deps.logger.error('webhook given up', { job_id: job.id, job_name: job.name, task_id: taskId, attempts: job.attemptsMade, error: describeError(err) });
  // Only the completion webhook is owed (an approval webhook given up is only logged).
  if (typeof taskId === 'string' && job.name !== 'approval') {
    deps.store.tasks.markWebhook(taskId, 'failed').catch((e: unknown) => deps.logger.warn('could not record a failed webhook', { task_id: taskId, error: describeError(e) }));
  }
}
