import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { describeError, isTerminalTaskStatus, type Task } from '@mesh/core';
import { WEBHOOKS_QUEUE, WebhookJob } from '@mesh/queue';
import { runInJobSpan } from '../job-span';
import type { Runtime } from '../runtime';
import { deliverWebhook, WebhookRefusedError, type ResolvedAddress } from './webhook-delivery';
import { signWebhookBody, WEBHOOK_HEADERS } from './webhook-signature';

export interface WebhookWorkerOptions {
  /** Deliveries in flight in this process. */
  concurrency?: number;
  /** Replaces the DNS lookup (tests). */
  resolve?: (hostname: string) => Promise<ResolvedAddress[]>;
}

const DEFAULTS = { concurrency: 10 };

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

/**
 * Consumes the `webhooks` queue: loads the finished task and POSTs `{event, task}` to its
 * callback_url, signed with HMAC-SHA256 over the raw body (X-Mesh-Signature). A failed delivery
 * is retried with exponential back-off by BullMQ; a refused target (SSRF policy, redirect) is
 * not retried.
 */
export function startWebhookWorker(runtime: Runtime, options: WebhookWorkerOptions = {}): Worker {
  const { config, logger, store, metrics, tracing } = runtime;
  const worker = new Worker(
    WEBHOOKS_QUEUE,
    async (job: Job): Promise<WebhookOutcome> => {
      const parsed = WebhookJob.safeParse(job.data);
      if (!parsed.success) {
        logger.error('invalid webhook job payload', { job_id: job.id, issues: parsed.error.issues });
        return 'skipped';
      }
      const info = { queue: WEBHOOKS_QUEUE, name: job.name, id: job.id, attemptsMade: job.attemptsMade, data: parsed.data };
      return runInJobSpan(tracing.tracer, logger, info, async ({ logger: log }) => {
        const task = await store.tasks.get(parsed.data.tenantId, parsed.data.taskId);
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
              [WEBHOOK_HEADERS.delivery]: String(job.id),
            },
            timeoutMs: config.webhooks.timeoutMs,
            allowPrivateAddresses: config.webhooks.allowPrivateAddresses,
            ...(options.resolve ? { resolve: options.resolve } : {}),
          });
          await store.tasks.markWebhook(task.id, 'delivered');
          metrics.webhookDeliveries.inc({ outcome: 'delivered' });
          log.info('webhook delivered', { event, host, status, attempt: job.attemptsMade + 1 });
          return 'delivered';
        } catch (err) {
          if (err instanceof WebhookRefusedError) {
            await store.tasks.markWebhook(task.id, 'failed');
            metrics.webhookDeliveries.inc({ outcome: 'refused' });
            log.warn('webhook refused', { event, host, reason: err.message });
            throw new UnrecoverableError(err.message);
          }
          metrics.webhookDeliveries.inc({ outcome: 'failed' });
          log.warn('webhook delivery failed', { event, host, attempt: job.attemptsMade + 1, of: job.opts.attempts ?? 1, error: describeError(err) });
          throw err;
        }
      });
    },
    {
      connection: runtime.redis,
      prefix: config.queuePrefix,
      concurrency: options.concurrency ?? DEFAULTS.concurrency,
      lockDuration: Math.max(config.jobs.lockMs, config.webhooks.timeoutMs * 2),
      stalledInterval: config.jobs.stalledIntervalMs,
      maxStalledCount: 2,
    },
  );
  worker.on('failed', (job, err) => {
    if (!job) return;
    const final = job.attemptsMade >= (job.opts.attempts ?? 1) || err.name === 'UnrecoverableError';
    if (!final) return;
    const taskId = (job.data as { taskId?: string }).taskId;
    logger.error('webhook given up', { job_id: job.id, task_id: taskId, attempts: job.attemptsMade, error: describeError(err) });
    // Recorded so the recovery sweeper does not deliver it again.
    if (taskId) store.tasks.markWebhook(taskId, 'failed').catch((e: unknown) => logger.warn('could not record a failed webhook', { task_id: taskId, error: describeError(e) }));
  });
  worker.on('error', (err) => logger.error('webhook worker error', { error: describeError(err) }));
  return worker;
}
