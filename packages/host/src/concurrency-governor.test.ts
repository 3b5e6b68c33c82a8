import { Redis } from 'ioredis';
import { z } from 'zod';
import { createLogger, initTracing } from '@mesh/observability';
import { createTestEnv, type TestEnv } from '@mesh/testing';
import { ConcurrencyGovernor, GOVERNOR_DEFAULTS } from './concurrency-governor';
import { startJobWorker } from './job-worker';

/** The defaults, with readings only when a test calls tick(): the governor's own timer would read between a test's awaits. */
const BY_HAND = { ...GOVERNOR_DEFAULTS, intervalMs: 3_600_000 };

/** A governor fed the readings of `busy` in turn (each the share of the time the loop was busy). */
function governed(readings: number[]) {
  const shares: number[] = [];
  const governor = new ConcurrencyGovernor(BY_HAND, () => readings.shift() ?? 0.8, (share) => shares.push(share));
  const subtasks = { concurrency: 0 };
  const coordinator = { concurrency: 0 };
  governor.govern(subtasks, 100);
  const release = governor.govern(coordinator, 50);
  return { governor, subtasks, coordinator, release, shares };
}

describe('ConcurrencyGovernor', () => {
  it('shrinks every worker to the same share of its limit while the loop is saturated, down to the floor', () => {
    const { governor, subtasks, coordinator, shares } = governed([0.95, 0.95, 0.8, ...Array<number>(21).fill(0.99)]);
    try {
      expect([subtasks.concurrency, coordinator.concurrency]).toEqual([100, 50]);
      governor.tick();
      expect([subtasks.concurrency, coordinator.concurrency]).toEqual([70, 35]);
      governor.tick();
      expect([subtasks.concurrency, coordinator.concurrency]).toEqual([49, 24]);
      // Busy, but not saturated: kept (and not told again).
      governor.tick();
      expect([subtasks.concurrency, coordinator.concurrency]).toEqual([49, 24]);
      expect(shares.map((x) => Number(x.toFixed(2)))).toEqual([0.7, 0.49]);
      governor.tick();
      for (let i = 0; i < 20; i++) governor.tick();
      // The floor: 5 % of each limit (never below one job).
      expect(governor.currentShare).toBeCloseTo(0.05, 5);
      expect([subtasks.concurrency, coordinator.concurrency]).toEqual([5, 3]);
    } finally {
      governor.stop();
    }
  });

  it('grows back by steps once the loop has time to spare, never beyond the configured limits', () => {
    const { governor, subtasks, coordinator } = governed([0.95, 0.95, 0.95, ...Array<number>(40).fill(0.2)]);
    try {
      for (let i = 0; i < 3; i++) governor.tick();
      expect(subtasks.concurrency).toBe(34);
      governor.tick();
      expect([subtasks.concurrency, coordinator.concurrency]).toEqual([39, 20]);
      for (let i = 0; i < 39; i++) governor.tick();
      expect([subtasks.concurrency, coordinator.concurrency]).toEqual([100, 50]);
    } finally {
      governor.stop();
    }
  });

  it('refuses thresholds that cannot work', () => {
    expect(() => new ConcurrencyGovernor({ ...BY_HAND, low: 0.9, high: 0.8 })).toThrow(/low < high/);
    expect(() => new ConcurrencyGovernor({ ...BY_HAND, minShare: 0 })).toThrow(/minShare/);
  });
});

describe('a job worker under a governor', () => {
  let t: TestEnv;
  beforeAll(async () => {
    t = await createTestEnv('concurrency-governor');
  });
  afterAll(async () => {
    await t.cleanup();
  });

  it("takes its limit from the governor, and leaves it when the worker closes", async () => {
    const redis = new Redis(t.config.redisUrl, { maxRetriesPerRequest: null });
    const tracing = initTracing({ serviceName: 'governor-test' });
    const governor = new ConcurrencyGovernor(BY_HAND, () => 0.99);
    const worker = startJobWorker(
      { config: t.config, logger: createLogger({ service: 'governor-test', level: 'error' }), redis, tracing, governor },
      { queue: 'governed', jobs: { probe: z.object({}) }, concurrency: 40, handlers: { probe: async () => undefined } },
    );
    try {
      await worker.waitUntilReady();
      expect(worker.concurrency).toBe(40);
      governor.tick();
      expect(worker.concurrency).toBe(28);
      await worker.close();
      governor.tick();
      // Released: the governor no longer sets it.
      expect(worker.concurrency).toBe(28);
      expect(governor.currentShare).toBeCloseTo(0.49, 5);
    } finally {
      governor.stop();
      await worker.close();
      await tracing.shutdown?.();
      redis.disconnect();
    }
  });
});
