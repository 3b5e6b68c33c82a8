import type { Worker } from 'bullmq';
import { startWebhookWorker, type Runtime } from '@mesh/host';
import { deliverTaskWebhook, onWebhookFailed, type TaskWebhookDeps } from '@mesh/webhooks';

/** The webhooks queue's consumer: delivers each finished task's webhook (see deliverTaskWebhook). */
export function startTaskWebhookWorker(runtime: Runtime, options: Pick<TaskWebhookDeps, 'resolve'> = {}): Worker {
  const deps = { ...runtime, ...options };
  return startWebhookWorker(runtime, {
    handlers: {
      webhook: (data, delivery) => deliverTaskWebhook({ ...deps, logger: delivery.logger }, data, { jobId: delivery.id, attemptsMade: delivery.attemptsMade, attempts: delivery.attempts }),
    },
    onFailed: (job, err, final) => onWebhookFailed(runtime, job, err, final),
  });
}
