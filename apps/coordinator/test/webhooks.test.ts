import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Worker } from 'bullmq';
import type { CoordinatorDecision, Task } from '@mesh/core';
import { sampleValue } from '@mesh/observability';
import { WEBHOOKS_QUEUE } from '@mesh/queue';
import { createTestEnv, ScriptedModel, startInProcessMesh, waitFor, waitOrAbort, type InProcessMesh, type TestEnv } from '@mesh/testing';
import { stopTask } from '@mesh/tasks';
import { deliverWebhook, verifyWebhookSignature, WebhookDeliveryError, WebhookRefusedError } from '@mesh/webhooks';
import { startTaskWebhookWorker } from '../src/webhook-worker';

const SECRET = 'test-webhook-secret-0123456789';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A webhook receiver on 127.0.0.1 that answers with the given statuses in turn (then 200). */
async function startReceiver(statuses: number[] = [], extraHeaders: Record<string, string> = {}): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(statuses.shift() ?? 200, extraHeaders);
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/mesh?token=abc`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}


const completeAtOnce: CoordinatorDecision = {
  task_complete: true,
  reasoning: 'nothing to delegate',
  subtasks: [],
  new_memories: [],
  result: { content: 'the campaign', confidence: 0.9, explanation: 'done' },
};

async function withMesh<T>(env: TestEnv, model: ScriptedModel, fn: (mesh: InProcessMesh, webhooks: Worker) => Promise<T>): Promise<T> {
  const mesh = await startInProcessMesh(env, model);
  const webhooks = startTaskWebhookWorker(mesh.runtime);
  await webhooks.waitUntilReady();
  try {
    return await fn(mesh, webhooks);
  } finally {
    await webhooks.close();
    await mesh.close();
  }
}

describe('webhooks (private targets allowed for the test receiver)', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await createTestEnv('webhooks', { MESH_WEBHOOK_SECRET: SECRET, MESH_WEBHOOK_ALLOW_PRIVATE: 'true', MESH_WEBHOOK_BACKOFF_MS: '50' });
  });
  afterAll(async () => {
    await env.cleanup();
  });

  it('POSTs the finished task, signed with HMAC-SHA256 of the raw body, retrying failed deliveries with the same delivery id', async () => {
    const receiver = await startReceiver([500, 503]);
    try {
      await withMesh(env, new ScriptedModel(() => completeAtOnce), async (mesh) => {
        const networkId = await mesh.createNetwork();
        const taskId = await mesh.submit(networkId, { task: 'Announce me', callback_url: receiver.url });
        const task = await mesh.waitForTask(taskId);
        expect(task.status).toBe('completed');
        await waitFor('three delivery attempts', () => (receiver.received.length >= 3 ? true : undefined));
        expect(receiver.received).toHaveLength(3);
        for (const { headers, body } of receiver.received) {
          expect(verifyWebhookSignature(SECRET, body, headers['x-mesh-signature'] as string)).toBe(true);
          expect(headers['x-mesh-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
          expect(headers['x-mesh-event']).toBe('task.completed');
          expect(headers['x-mesh-delivery']).toBe(`webhook-${taskId}`);
          expect(Number(headers['x-mesh-timestamp'])).toBeGreaterThan(1_700_000_000);
          expect(headers['content-type']).toBe('application/json');
        }
        const payload = JSON.parse(receiver.received[2]!.body) as { event: string; task: Task };
        expect(payload.event).toBe('task.completed');
        expect(payload.task).toMatchObject({ id: taskId, status: 'completed', result: { content: 'the campaign' }, callback_url: receiver.url });
        // A signature over other bytes does not verify.
        expect(verifyWebhookSignature(SECRET, receiver.received[2]!.body.replace('completed', 'failed'), receiver.received[2]!.headers['x-mesh-signature'] as string)).toBe(false);
        expect(verifyWebhookSignature('another-secret-0123456789', receiver.received[2]!.body, receiver.received[2]!.headers['x-mesh-signature'] as string)).toBe(false);
        // The receiver has the third request before the worker has its answer and records it.
        const metrics = await waitFor('the delivery recorded', async () => {
          const body = (await mesh.runtime.metrics.render()).body;
          return sampleValue(body, 'mesh_webhook_deliveries_total', { outcome: 'delivered' }) !== undefined ? body : undefined;
        });
        expect(sampleValue(metrics, 'mesh_webhook_deliveries_total', { outcome: 'failed' })).toBe(2);
        expect(sampleValue(metrics, 'mesh_webhook_deliveries_total', { outcome: 'delivered' })).toBe(1);
        expect((await mesh.runtime.store.tasks.get('tenant-a', taskId))?.webhook_status).toBe('delivered');
      });
    } finally {
      await receiver.close();
    }
  });

  it('announces a cancelled task with event task.cancelled, and nothing for a task without callback_url', async () => {
    const receiver = await startReceiver();
    try {
      const model = new ScriptedModel(async (request) => {
        await waitOrAbort(60_000, request.signal);
        return completeAtOnce;
      });
      await withMesh(env, model, async (mesh) => {
        const networkId = await mesh.createNetwork();
        const quiet = await mesh.submit(networkId, { task: 'No callback' });
        const taskId = await mesh.submit(networkId, { task: 'Cancel me', callback_url: receiver.url });
        await waitFor('the model call', () => (model.calls.length >= 2 ? true : undefined));
        expect(await stopTask(mesh.engine, 'tenant-a', quiet, 'cancelled', 'test')).toBe(true);
        expect(await stopTask(mesh.engine, 'tenant-a', taskId, 'cancelled', 'by the test')).toBe(true);
        await waitFor('the delivery', () => (receiver.received.length >= 1 ? true : undefined));
        const payload = JSON.parse(receiver.received[0]!.body) as { event: string; task: Task };
        expect(payload).toMatchObject({ event: 'task.cancelled', task: { id: taskId, status: 'cancelled' } });
        expect(await mesh.runtime.queues.queue(WEBHOOKS_QUEUE).getJob(`webhook-${quiet}`)).toBeUndefined();
      });
      expect(receiver.received).toHaveLength(1);
    } finally {
      await receiver.close();
    }
  });

  it('does not follow redirects and gives up on a receiver that does not answer in time', async () => {
    const redirecting = await startReceiver([302], { location: 'http://127.0.0.1:1/elsewhere' });
    try {
      await expect(deliverWebhook({ url: redirecting.url, body: '{}', headers: {}, timeoutMs: 5_000, allowPrivateAddresses: true })).rejects.toBeInstanceOf(WebhookRefusedError);
      expect(redirecting.received).toHaveLength(1);
    } finally {
      await redirecting.close();
    }
    const silent = createServer(() => {
      // never answers
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/`;
      await expect(deliverWebhook({ url, body: '{}', headers: {}, timeoutMs: 300, allowPrivateAddresses: true })).rejects.toThrow(WebhookDeliveryError);
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

describe('webhooks with the default policy (private targets refused)', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await createTestEnv('webhooks_refused', { MESH_WEBHOOK_SECRET: SECRET });
  });
  afterAll(async () => {
    await env.cleanup();
  });

  it('refuses a loopback callback at delivery without connecting, and does not retry', async () => {
    expect(env.config.webhooks.allowPrivateAddresses).toBe(false);
    const receiver = await startReceiver();
    try {
      await withMesh(env, new ScriptedModel(() => completeAtOnce), async (mesh) => {
        const networkId = await mesh.createNetwork();
        // Stored directly: the API would already refuse this URL at submit.
        const taskId = await mesh.submit(networkId, { task: 'Call my loopback', callback_url: receiver.url });
        expect((await mesh.waitForTask(taskId)).status).toBe('completed');
        const job = await waitFor('the webhook job to fail', async () => {
          const queue = mesh.runtime.queues.queue(WEBHOOKS_QUEUE);
          const found = await queue.getJob(`webhook-${taskId}`);
          // Read again once failed: the first read may predate the failure and lack its reason.
          return found && (await found.getState()) === 'failed' ? queue.getJob(`webhook-${taskId}`) : undefined;
        });
        expect(job.failedReason).toMatch(/must point to a public host: 127\.0\.0\.1/);
        expect(job.attemptsMade).toBe(1);
        expect(sampleValue((await mesh.runtime.metrics.render()).body, 'mesh_webhook_deliveries_total', { outcome: 'refused' })).toBe(1);
        expect((await mesh.runtime.store.tasks.get('tenant-a', taskId))?.webhook_status).toBe('failed');
      });
      expect(receiver.received).toHaveLength(0);
    } finally {
      await receiver.close();
    }
  });

  it('refuses a public-looking name that resolves to a private address (checked after DNS, every address)', async () => {
    const resolve = async () => [
      { address: '93.184.216.34', family: 4 },
      { address: '10.0.0.5', family: 4 },
    ];
    await expect(
      deliverWebhook({ url: 'https://hooks.example.com/x', body: '{}', headers: {}, timeoutMs: 1_000, allowPrivateAddresses: false, resolve }),
    ).rejects.toThrow(/resolves to a forbidden address: 10\.0\.0\.5/);
    const mapped = async () => [{ address: '::ffff:169.254.169.254', family: 6 }];
    await expect(
      deliverWebhook({ url: 'https://hooks.example.com/x', body: '{}', headers: {}, timeoutMs: 1_000, allowPrivateAddresses: false, resolve: mapped }),
    ).rejects.toBeInstanceOf(WebhookRefusedError);
  });
});
