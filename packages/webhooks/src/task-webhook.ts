import { UnrecoverableError } from 'bullmq';
import type { MeshConfig } from '@mesh/config';
import { describeError, isTerminalTaskStatus, type Task } from '@mesh/core';
import type { Logger, MeshMetrics } from '@mesh/observability';
import type { WebhookJob } from '@mesh/queue';
import type { Store } from '@mesh/store';
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
  const { config, store, metrics, logger: log } = deps;
  const task = await store.tasks.get(job.tenantId, job.taskId);
  // Deleted, or not finished (a stale job): nothing to announce.
  if (!task?.callback_url || !isTerminalTaskStatus(task.status)) return 'skipped';
  const secret = config.webhooks.secret;
  if (!secret) throw new UnrecoverableError('MESH_WEBHOOK_SECRET is not set: webhooks cannot be signed');
  const event = `task.${task.status}` as const;
  const body = JSON.stringify({ event, task } satisfies WebhookPayload);
  const host = hostOf(task.callback_url);
  try {
    const { status } = await deliverWebhook({
      url: task.callback_url,
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
    await store.tasks.markWebhook(task.id, 'delivered');
    metrics.webhookDeliveries.inc({ outcome: 'delivered' });
    log.info('webhook delivered', { event, host, status, attempt: attempt.attemptsMade + 1 });
    return 'delivered';
  } catch (err) {
    if (err instanceof WebhookRefusedError) {
      await store.tasks.markWebhook(task.id, 'failed');
      metrics.webhookDeliveries.inc({ outcome: 'refused' });
      log.warn('webhook refused', { event, host, reason: err.message });
      throw new UnrecoverableError(err.message);
    }
    metrics.webhookDeliveries.inc({ outcome: 'failed' });
    log.warn('webhook delivery failed', { event, host, attempt: attempt.attemptsMade + 1, of: attempt.attempts, error: describeError(err) });
    throw err;
  }
}

/** A delivery given up for good is recorded, so the recovery sweeper does not deliver it again. */
export function onWebhookFailed(deps: Pick<TaskWebhookDeps, 'store' | 'logger'>, job: { id: string | undefined; data: unknown; attemptsMade: number }, err: Error, final: boolean): void {
  if (!final) return;
  const taskId = (job.data as { taskId?: unknown }).taskId;
  deps.logger.error('webhook given up', { job_id: job.id, task_id: taskId, attempts: job.attemptsMade, error: describeError(err) });
  if (typeof taskId === 'string') {
    deps.store.tasks.markWebhook(taskId, 'failed').catch((e: unknown) => deps.logger.warn('could not record a failed webhook', { task_id: taskId, error: describeError(e) }));
  }
}
