import { createTestEnv, type TestEnv } from '@mesh/testing';
import { heartbeatKey, readHeartbeats, startHeartbeat } from './heartbeats';

let t: TestEnv;
beforeAll(async () => {
  t = await createTestEnv('heartbeats');
});
afterAll(async () => {
  await t.cleanup();
});

describe('heartbeats', () => {
  it('announces a process with an expiring key, reads agent types at each beat, and removes the key on stop', async () => {
    const types = ['content'];
    const stop = startHeartbeat(t.redis, t.queuePrefix, { id: 'worker-a', kind: 'worker', agentTypes: () => types }, 1000);
    const stopCoordinator = startHeartbeat(t.redis, t.queuePrefix, { id: 'coord-z', kind: 'coordinator', agentTypes: () => [] }, 1000);
    try {
      const seen = await readHeartbeats(t.redis, t.queuePrefix);
      expect(seen.map((b) => [b.id, b.kind, b.agent_types])).toEqual([
        ['coord-z', 'coordinator', []],
        ['worker-a', 'worker', ['content']],
      ]);
      expect(Number.isNaN(Date.parse(seen[1]?.last_seen ?? ''))).toBe(false);
      const ttl = await t.redis.pttl(heartbeatKey(t.queuePrefix, 'worker-a'));
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(3000);
    } finally {
      await stop();
      await stopCoordinator();
    }
    expect(await readHeartbeats(t.redis, t.queuePrefix)).toEqual([]);
  });

  it('skips entries that are not heartbeats', async () => {
    await t.redis.set(heartbeatKey(t.queuePrefix, 'garbage'), 'not json', 'PX', 5000);
    await t.redis.set(heartbeatKey(t.queuePrefix, 'wrong-shape'), JSON.stringify({ id: 1 }), 'PX', 5000);
    expect(await readHeartbeats(t.redis, t.queuePrefix)).toEqual([]);
  });
});
