import { randomUUID } from 'node:crypto';
import type { CoordinatorDecision, TrackRecord } from '@mesh/core';
import { createTestEnv, ScriptedModel, startInProcessMesh, type TestEnv } from '@mesh/testing';
import { readDataBlock } from '../data-blocks';
import { SCHEMA_NAMES } from '../model-client';
import type { AgentSummary } from '../prompts';
import { TrackRecordCache } from './track-records';

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv('track-records');
});
afterAll(async () => {
  await env.cleanup();
});

const DAY_MS = 86_400_000;

/** Past work of the network: a subtask of `agentType` that ended `daysAgo` days ago after `durationMs`, rated when `rating` is given. */
async function history(networkId: string, agentType: string, status: 'completed' | 'failed', durationMs: number, daysAgo: number, rating?: number): Promise<void> {
  const taskId = randomUUID();
  const subtaskId = randomUUID();
  const end = new Date(Date.now() - daysAgo * DAY_MS);
  await env.db.query(
    `INSERT INTO tasks (id, tenant_id, network_id, task, context, priority, status, max_iterations, timeout_seconds, approvals, approval_timeout_seconds, created_at, updated_at)
     VALUES ($1, 'tenant-a', $2, 'earlier', '{}', 5, 'completed', 3, 60, '{}', 60, $3, $3)`,
    [taskId, networkId, end],
  );
  await env.db.query(
    `INSERT INTO subtasks (id, tenant_id, network_id, task_id, iteration, key, agent_type, description, status, created_at, started_at, finished_at)
     VALUES ($1, 'tenant-a', $2, $3, 1, 'k', $4, 'd', $5, $6, $6, $7)`,
    [subtaskId, networkId, taskId, agentType, status, new Date(end.getTime() - durationMs), end],
  );
  if (rating !== undefined) {
    await env.db.query(
      `INSERT INTO feedback (id, tenant_id, network_id, task_id, subtask_id, agent_type, rating, created_at) VALUES ($1, 'tenant-a', $2, $3, $4, $5, $6, $7)`,
      [randomUUID(), networkId, taskId, subtaskId, agentType, rating, end],
    );
  }
}

const done: CoordinatorDecision = { task_complete: true, reasoning: 'done', subtasks: [], new_memories: [], result: { content: 'Final', confidence: 0.9, explanation: 'e' } };

describe("the coordinator's view of its specialists", () => {
  it('carries each specialist\'s track record of the last 30 days into the plan prompt, and the rule to prefer the better one', async () => {
    const model = new ScriptedModel(() => done);
    const mesh = await startInProcessMesh(env, model, { workers: false });
    try {
      const networkId = await mesh.createNetwork({ name: 'Track records' });
      for (const [status, ms, rating] of [['completed', 1000, 5], ['completed', 2000, 4], ['completed', 3000, undefined], ['completed', 4000, undefined], ['failed', 9000, undefined]] as const) {
        await history(networkId, 'content', status, ms, 2, rating);
      }
      await history(networkId, 'design', 'completed', 5000, 10, 2);
      await history(networkId, 'design', 'failed', 7000, 29);
      // Older than 30 days: analytics has no record.
      await history(networkId, 'analytics', 'completed', 1000, 31, 5);

      const task = await mesh.waitForTask(await mesh.submit(networkId, { task: 'Write the launch email' }));
      expect(task.status).toBe('completed');
      const [plan] = model.callsFor(SCHEMA_NAMES.coordinatorDecision);
      const agents = JSON.parse(readDataBlock(plan!.user, 'agents')!) as AgentSummary[];
      expect(Object.fromEntries(agents.map((a) => [a.type, a.track_record]))).toEqual({
        analytics: null,
        content: { subtasks: 5, success_rate: 0.8, mean_rating: 4.5, typical_duration_ms: 3000 },
        design: { subtasks: 2, success_rate: 0.5, mean_rating: 2, typical_duration_ms: 6000 },
        personalization: null,
      } satisfies Record<string, TrackRecord | null>);
      expect(plan!.system).toContain('prefer the one whose track record is better');
    } finally {
      await mesh.close();
    }
  });
});

describe('TrackRecordCache', () => {
  function fakeStats() {
    const reads: { networkId: string; since: Date }[] = [];
    let fail = false;
    return {
      reads,
      failNext: () => (fail = true),
      stats: {
        async trackRecords(_tenantId: string, networkId: string, since: Date) {
          reads.push({ networkId, since });
          if (fail) {
            fail = false;
            throw new Error('database down');
          }
          return new Map([['content', { subtasks: reads.length, success_rate: 1, mean_rating: null, typical_duration_ms: null }]]);
        },
      },
    };
  }

  it('reads a network once per ttl (concurrent plans share the read), 30 days back', async () => {
    let now = 1_000_000_000_000;
    const fake = fakeStats();
    const cache = new TrackRecordCache(fake.stats, { ttlMs: 1000, now: () => now });
    const [a, b] = await Promise.all([cache.of('t', 'n1'), cache.of('t', 'n1')]);
    expect(a).toBe(b);
    expect(fake.reads).toEqual([{ networkId: 'n1', since: new Date(now - 30 * DAY_MS) }]);
    now += 999;
    expect((await cache.of('t', 'n1')).get('content')?.subtasks).toBe(1);
    now += 1;
    expect((await cache.of('t', 'n1')).get('content')?.subtasks).toBe(2);
    await cache.of('t', 'n2');
    expect(fake.reads.map((r) => r.networkId)).toEqual(['n1', 'n1', 'n2']);
  });

  it('does not remember a failed read, and forgets the oldest network past maxNetworks', async () => {
    const fake = fakeStats();
    const cache = new TrackRecordCache(fake.stats, { maxNetworks: 2 });
    fake.failNext();
    await expect(cache.of('t', 'n1')).rejects.toThrow('database down');
    await cache.of('t', 'n1');
    await cache.of('t', 'n2');
    await cache.of('t', 'n3'); // n1 goes
    await cache.of('t', 'n3');
    await cache.of('t', 'n2');
    await cache.of('t', 'n1');
    expect(fake.reads.map((r) => r.networkId)).toEqual(['n1', 'n1', 'n2', 'n3', 'n1']);
    expect(() => new TrackRecordCache(fake.stats, { maxNetworks: 0 })).toThrow('maxNetworks');
  });
});
