import type { Worker } from 'bullmq';
import { startWebhookWorker, type Runtime } from '@mesh/host';
import { deliverApprovalWebhook, deliverTaskWebhook, onWebhookFailed, type TaskWebhookDeps } from '@mesh/webhooks';

/** The webhooks queue's consumer: each finished task's webhook (see deliverTaskWebhook) and each request for a person (deliverApprovalWebhook). */
export function startTaskWebhookWorker(runtime: Runtime, options: Pick<TaskWebhookDeps, 'resolve'> = {}): Worker {
  const deps = { ...runtime, ...options };
  return startWebhookWorker(runtime, {
    handlers: {
      webhook: (data, delivery) => deliverTaskWebhook({ ...deps, logger: delivery.logger }, data, { jobId: delivery.id, attemptsMade: delivery.attemptsMade, attempts: delivery.attempts }),
      approval: (data, delivery) => deliverApprovalWebhook({ ...deps, logger: delivery.logger }, data, { jobId: delivery.id, attemptsMade: delivery.attemptsMade, attempts: delivery.attempts }),
    },
    onFailed: (job, err, final) => onWebhookFailed(runtime, job, err, final),
  });
}
