import { randomUUID } from 'node:crypto';
import { Worker } from 'bullmq';
import { createTestEnv, waitFor, type TestEnv } from '@mesh/testing';
import { jobIds } from './job-catalog';
import { MeshQueues, type MeshQueuesOptions } from './mesh-queues';
import { COORDINATOR_QUEUE } from './queue-names';

let t: TestEnv;
beforeAll(async () => {
  t = await createTestEnv('mesh-queues');
});
afterAll(async () => {
  await t.cleanup();
});

/** Queues of their own prefix and a coordinator worker that completes step jobs, or fails those of `failing` tasks. */
async function withQueues(options: Partial<MeshQueuesOptions>, body: (h: { queues: MeshQueues; processed: string[]; failing: Set<string> }) => Promise<void>): Promise<void> {
  const prefix = `${t.queuePrefix}-${randomUUID().slice(0, 8)}`;
  const queues = new MeshQueues({ connection: t.redis, prefix, coordinatorAttempts: 1, ...options });
  const processed: string[] = [];
  const failing = new Set<string>();
  const worker = new Worker(
    COORDINATOR_QUEUE,
    async (job) => {
      processed.push(job.id ?? '');
      if (failing.has((job.data as { taskId: string }).taskId)) throw new Error('scripted failure');
    },
    { connection: t.redis, prefix },
  );
  worker.on('error', () => {});
  try {
    await body({ queues, processed, failing });
  } finally {
    await worker.close();
    await queues.close();
  }
}

const step = (taskId: string, iteration = 1) => ({ tenantId: 'tenant-a', taskId, iteration });
const ended = async (queues: MeshQueues, n: number) =>
  waitFor(`${n} ended jobs`, async () => {
    const counts = await queues.coordinator.getJobCounts('completed', 'failed', 'waiting', 'active', 'prioritized');
    return (counts.completed ?? 0) + (counts.failed ?? 0) >= n && (counts.waiting ?? 0) + (counts.active ?? 0) + (counts.prioritized ?? 0) === 0 ? counts : undefined;
  });

describe('MeshQueues job history', () => {
  it('keeps the newest completed jobs up to the count, listed for Bull Board', async () => {
    await withQueues({ keepCompletedCount: 3 }, async ({ queues, processed }) => {
      const tasks = Array.from({ length: 5 }, () => randomUUID());
      for (const taskId of tasks) {
        await queues.enqueueStep(step(taskId), 5);
        await waitFor('the step to run', () => (processed.includes(jobIds.step(taskId, 1)) ? true : undefined));
      }
      await ended(queues, 3);
      const kept = await queues.coordinator.getCompleted();
      expect(kept.map((j) => j.id).sort()).toEqual(tasks.slice(2).map((id) => jobIds.step(id, 1)).sort());
      expect(kept.every((j) => j.name === 'step' && j.finishedOn !== undefined)).toBe(true);
    });
  });

  it('drops completed jobs older than the age as later ones end', async () => {
    await withQueues({ keepCompletedSeconds: 1 }, async ({ queues, processed }) => {
      const [old, recent] = [randomUUID(), randomUUID()];
      await queues.enqueueStep(step(old), 5);
      await ended(queues, 1);
      expect((await queues.coordinator.getCompleted()).map((j) => j.id)).toEqual([jobIds.step(old, 1)]);
      await new Promise((r) => setTimeout(r, 1_100));
      await queues.enqueueStep(step(recent), 5);
      await waitFor('the second step to run', () => (processed.length === 2 ? true : undefined));
      await waitFor('the old job trimmed', async () => {
        const ids = (await queues.coordinator.getCompleted()).map((j) => j.id);
        return ids.length === 1 && ids[0] === jobIds.step(recent, 1) ? ids : undefined;
      });
    });
  });

  it('keeps failed jobs up to their own count', async () => {
    await withQueues({ keepFailedCount: 2 }, async ({ queues, processed, failing }) => {
      const tasks = [randomUUID(), randomUUID(), randomUUID()];
      for (const taskId of tasks) {
        failing.add(taskId);
        await queues.enqueueStep(step(taskId), 5);
        await waitFor('the step to fail', () => (processed.includes(jobIds.step(taskId, 1)) ? true : undefined));
      }
      await ended(queues, 2);
      const failed = await queues.coordinator.getFailed();
      expect(failed.map((j) => j.id).sort()).toEqual(tasks.slice(1).map((id) => jobIds.step(id, 1)).sort());
      expect(failed.every((j) => j.failedReason === 'scripted failure')).toBe(true);
    });
  });

  it('with a count of 0 removes completed jobs at once, as before', async () => {
    await withQueues({ keepCompletedCount: 0 }, async ({ queues, processed }) => {
      const taskId = randomUUID();
      await queues.enqueueStep(step(taskId, 2), 5);
      await waitFor('the step to run', () => (processed.length === 1 ? true : undefined));
      await waitFor('the job removed', async () => ((await queues.coordinator.getJob(jobIds.step(taskId, 2))) === undefined ? true : undefined));
      expect(await queues.coordinator.getCompleted()).toEqual([]);
      // The id is free again at once.
      await queues.enqueueStep(step(taskId, 2), 5);
      await waitFor('the step to run again', () => (processed.length === 2 ? true : undefined));
    });
  });

  it('a kept completed job does not block enqueueing its id again where the product relies on it', async () => {
    await withQueues({}, async ({ queues, processed }) => {
      const taskId = randomUUID();
      const first = jobIds.step(taskId, 1);
      // startTask again after a failed start: the first step may have run and completed meanwhile.
      await queues.enqueueStep(step(taskId), 5);
      await waitFor('the first step to run', () => (processed.length === 1 ? true : undefined));
      await waitFor('the first step kept', async () => ((await queues.coordinator.getJobState(first)) === 'completed' ? true : undefined));
      await queues.enqueueStep(step(taskId), 5);
      await waitFor('the first step to run again', () => (processed.length === 2 ? true : undefined));
      expect(processed).toEqual([first, first]);

      // The recovery sweeper: not live, removeEnded, enqueue.
      const later = jobIds.step(taskId, 2);
      await queues.enqueueStep(step(taskId, 2), 5);
      await waitFor('step 2 kept', async () => ((await queues.coordinator.getJobState(later)) === 'completed' ? true : undefined));
      expect(await queues.isLive(COORDINATOR_QUEUE, later)).toBe(false);
      await queues.removeEnded(COORDINATOR_QUEUE, later);
      await queues.enqueueStep(step(taskId, 2), 5);
      await waitFor('step 2 to run again', () => (processed.filter((id) => id === later).length === 2 ? true : undefined));
    });
  });

  it('refuses a negative or fractional bound', () => {
    expect(() => new MeshQueues({ connection: t.redis, prefix: 'unused', keepCompletedCount: -1 })).toThrow(/keepCompletedCount/);
    expect(() => new MeshQueues({ connection: t.redis, prefix: 'unused', keepFailedSeconds: 1.5 })).toThrow(/keepFailedSeconds/);
  });
});
