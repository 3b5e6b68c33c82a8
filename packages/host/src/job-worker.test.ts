import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { createLogger, initTracing } from '@mesh/observability';
import { fairPriority } from '@mesh/queue';
import { workPriority } from '@mesh/store';
import { createTestEnv, type TestEnv } from '@mesh/testing';
import { startJobWorker } from './job-worker';

let t: TestEnv;
beforeAll(async () => {
  t = await createTestEnv('job-worker');
});
afterAll(async () => {
  await t.cleanup();
});

describe('startJobWorker', () => {
  it("runs each job's handler at its tenant share as the work priority, so the process's Postgres queues serve it in that order", async () => {
    const redis = new Redis(t.config.redisUrl, { maxRetriesPerRequest: null });
    const queue = new Queue('probe', { connection: redis, prefix: t.config.queuePrefix });
    const seen = new Map<string, number>();
    const tracing = initTracing({ serviceName: 'job-worker-test' });
    const worker = startJobWorker(
      { config: t.config, logger: createLogger({ service: 'job-worker-test', level: 'error' }), redis, tracing },
      {
        queue: 'probe',
        jobs: { probe: z.object({ label: z.string() }) },
        concurrency: 1,
        handlers: {
          probe: async (data) => {
            await new Promise((r) => setTimeout(r, 1));
            seen.set(data.label, workPriority());
          },
        },
      },
    );
    try {
      await queue.add('probe', { label: 'quiet' }, { priority: fairPriority(0, 5) });
      await queue.add('probe', { label: 'burst' }, { priority: fairPriority(7, 3) });
      const until = Date.now() + 10_000;
      while (seen.size < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      expect(Object.fromEntries(seen)).toEqual({ quiet: 0, burst: 7 });
    } finally {
      await worker.close();
      await queue.close();
      await tracing.shutdown?.();
      redis.disconnect();
    }
  });
});
