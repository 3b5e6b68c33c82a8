import type { CoordinatorDecision } from '@mesh/core';
import { createTestEnv, deleteKeys, ScriptedModel, startInProcessMesh, type TestEnv } from '@mesh/testing';
import { jobIds } from '@mesh/queue';
import { SCHEMA_NAMES } from './model-client';
import { RecoverySweeper } from './recovery-sweeper';
import { stopTask } from '@mesh/tasks';

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv('sweeper', { MESH_AGENT_DISCOVERY_MS: '200' });
});
afterAll(async () => {
  await env.cleanup();
});

const plan = (keys: string[]): CoordinatorDecision => ({
  task_complete: false,
  reasoning: 'p',
  subtasks: keys.map((key, i) => ({ key, agent_type: i % 2 ? 'design' : 'content', description: `do ${key}`, depends_on: [] })),
  new_memories: [],
  result: null,
});
const done: CoordinatorDecision = { task_complete: true, reasoning: 'd', subtasks: [], new_memories: [], result: { content: 'recovered', confidence: 1, explanation: 'e' } };

function model(gate?: Promise<void>) {
  return new ScriptedModel(async (req, call) => {
    if (call.schemaName === SCHEMA_NAMES.coordinatorDecision) return call.user.includes('### iteration') ? done : plan(['a', 'b']);
    await gate;
    return { reasoning: 'r', result: `result of ${call.subtaskId}`, confidence: 0.9, suggested_memories: [{ type: 'fact', content: `learned in ${call.subtaskId}`, confidence: 1 }] };
  });
}

/** Redis loses every key of this env (a restart without persistence). */
const loseRedis = () => deleteKeys(env.redis, `${env.queuePrefix}*`);

describe('the recovery sweeper', () => {
  it('re-dispatches tasks whose step jobs were lost', async () => {
    const scripted = model();
    const mesh = await startInProcessMesh(env, scripted);
    // Start the tasks with the coordinator not yet consuming: close it, submit, lose Redis.
    await mesh.close();
    const idle = await startInProcessMesh(env, scripted, { workers: false });
    await idle.runtime.queues.coordinator.pause();
    const networkId = await idle.createNetwork();
    const taskIds = [await idle.submit(networkId, { task: 'one' }), await idle.submit(networkId, { task: 'two' })];
    expect(await idle.runtime.queues.coordinator.count()).toBeGreaterThan(0);
    await loseRedis();
    await idle.close();

    const live = await startInProcessMesh(env, scripted);
    try {
      const sweeper = new RecoverySweeper(live.engine, { intervalMs: 60_000, quietMs: 0 });
      const report = await sweeper.sweep();
      await sweeper.stop();
      expect(report).toMatchObject({ leader: true, redispatched: { step: 2, deadline: 2 } });
      for (const id of taskIds) expect((await live.waitForTask(id)).status).toBe('completed');
    } finally {
      await live.close();
    }
  });

  it('re-dispatches a wave whose jobs were lost, without running finished work twice', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const scripted = model(gate);
    // Subtask jobs wait in their queues: no agent workers yet.
    const coordinatorOnly = await startInProcessMesh(env, scripted, { workers: false });
    const networkId = await coordinatorOnly.createNetwork();
    const taskId = await coordinatorOnly.submit(networkId, { task: 'wave lost' });
    await waitUntil(async () => (await env.store.subtasks.forTask(taskId)).length === 2);
    await waitUntil(async () => (await coordinatorOnly.runtime.queues.queue('agent-content').count()) > 0);
    await loseRedis();
    await coordinatorOnly.close();

    const live = await startInProcessMesh(env, scripted);
    try {
      const sweeper = new RecoverySweeper(live.engine, { intervalMs: 60_000, quietMs: 0 });
      expect((await sweeper.sweep()).redispatched.wave).toBe(1);
      // A second sweep while the wave runs changes nothing.
      expect((await sweeper.sweep()).redispatched).toEqual({ step: 0, wave: 0, finalize: 0, deadline: 0, webhook: 0, resume: 0, evaluate: 0 });
      release();
      const task = await live.waitForTask(taskId);
      await sweeper.stop();
      expect(task.status).toBe('completed');
      expect(task.subtasks!.map((s) => [s.status, s.attempts])).toEqual([
        ['completed', 1],
        ['completed', 1],
      ]);
      expect(scripted.callsFor(SCHEMA_NAMES.agentOutput)).toHaveLength(2);
    } finally {
      release();
      await live.close();
    }
  });

  it('moves an iteration on when Redis is lost after its subtasks finished', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const scripted = model(gate);
    const mesh = await startInProcessMesh(env, scripted);
    try {
      const networkId = await mesh.createNetwork();
      const taskId = await mesh.submit(networkId, { task: 'iteration lost' });
      await waitUntil(async () => (await env.store.subtasks.forTask(taskId)).length === 2);
      // The wave's parent job will wait in the paused coordinator queue when the subtasks finish.
      await mesh.runtime.queues.coordinator.pause();
      release();
      await waitUntil(async () => (await env.store.subtasks.forTask(taskId)).every((s) => s.status === 'completed'));
      await loseRedis();
      await mesh.runtime.queues.coordinator.resume();
      const sweeper = new RecoverySweeper(mesh.engine, { intervalMs: 60_000, quietMs: 0 });
      const report = await sweeper.sweep();
      await sweeper.stop();
      expect(report.redispatched).toEqual({ step: 1, wave: 0, finalize: 0, deadline: 1, webhook: 0, resume: 0, evaluate: 0 });
      const task = await mesh.waitForTask(taskId);
      expect(task.status).toBe('completed');
      expect(task.iterations).toBe(2);
      expect(scripted.callsFor(SCHEMA_NAMES.agentOutput)).toHaveLength(2);
    } finally {
      release();
      await mesh.close();
    }
  });

  it('leaves alone a next step that runs inside the iteration’s last wave job, and does not run it twice', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const scripted = new ScriptedModel(async (req, call) => {
      if (call.schemaName !== SCHEMA_NAMES.coordinatorDecision) return { reasoning: 'r', result: `result of ${call.subtaskId}`, confidence: 0.9, suggested_memories: [] };
      if (!call.user.includes('### iteration')) return plan(['a', 'b']);
      await gate; // iteration 2 holds its model call: the wave job that runs it stays active
      return done;
    });
    const mesh = await startInProcessMesh(env, scripted);
    try {
      const networkId = await mesh.createNetwork();
      const taskId = await mesh.submit(networkId, { task: 'step inside the wave job' });
      await waitUntil(async () => (await env.store.tasks.getRow('tenant-a', taskId))?.iterations === 2 && scripted.callsFor(SCHEMA_NAMES.coordinatorDecision).length === 2);
      expect(await mesh.runtime.queues.coordinator.getActiveCount()).toBe(1);
      const sweeper = new RecoverySweeper(mesh.engine, { intervalMs: 60_000, quietMs: 0 });
      const report = await sweeper.sweep();
      await sweeper.stop();
      expect(report.examined).toBeGreaterThanOrEqual(1);
      expect(report.redispatched.step).toBe(0);
      release();
      const task = await mesh.waitForTask(taskId);
      expect(task.status).toBe('completed');
      expect(scripted.callsFor(SCHEMA_NAMES.coordinatorDecision)).toHaveLength(2);
      expect(await mesh.runtime.queues.coordinator.getJob(jobIds.step(taskId, 2))).toBeUndefined();
    } finally {
      release();
      await mesh.close();
    }
  });

  it('counts a waiting last-wave job as the next step once the iteration’s subtasks have finished', async () => {
    // The subtasks' model calls wait for the gate: the queue is paused before they can finish.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const scripted = model(gate);
    const mesh = await startInProcessMesh(env, scripted);
    try {
      const networkId = await mesh.createNetwork();
      const taskId = await mesh.submit(networkId, { task: 'wave job waiting' });
      await waitUntil(async () => (await env.store.subtasks.forTask(taskId)).length === 2);
      // The wave's parent job waits in the paused coordinator queue when the subtasks finish.
      await mesh.runtime.queues.coordinator.pause();
      release();
      await waitUntil(async () => (await env.store.subtasks.forTask(taskId)).every((s) => s.status === 'completed'));
      const sweeper = new RecoverySweeper(mesh.engine, { intervalMs: 60_000, quietMs: 0 });
      const report = await sweeper.sweep();
      await sweeper.stop();
      expect(report.examined).toBeGreaterThanOrEqual(1);
      expect(report.redispatched).toEqual({ step: 0, wave: 0, finalize: 0, deadline: 0, webhook: 0, resume: 0, evaluate: 0 });
      await mesh.runtime.queues.coordinator.resume();
      expect((await mesh.waitForTask(taskId)).status).toBe('completed');
      expect(scripted.callsFor(SCHEMA_NAMES.coordinatorDecision)).toHaveLength(2);
    } finally {
      release();
      await mesh.runtime.queues.coordinator.resume();
      await mesh.close();
    }
  });

  it('ends tasks past their deadline even when the deadline job was lost', async () => {
    const mesh = await startInProcessMesh(env, model(new Promise(() => {})), { workers: false });
    try {
      const networkId = await mesh.createNetwork({ timeout_seconds: 1 });
      const taskId = await mesh.submit(networkId, { task: 'no deadline job' });
      await mesh.runtime.queues.coordinator.remove(`deadline-${taskId}`);
      await new Promise((r) => setTimeout(r, 1_100));
      const sweeper = new RecoverySweeper(mesh.engine, { intervalMs: 60_000, quietMs: 0 });
      expect((await sweeper.sweep()).timedOut).toBeGreaterThanOrEqual(1);
      await sweeper.stop();
      expect((await env.store.tasks.getRow('tenant-a', taskId))?.status).toBe('timed_out');
    } finally {
      await mesh.close();
    }
  });

  it('re-enqueues the webhook of a finished task when its job was lost, and only while it is owed', async () => {
    const mesh = await startInProcessMesh(env, model());
    try {
      const networkId = await mesh.createNetwork();
      const taskId = await mesh.submit(networkId, { task: 'announce me', callback_url: 'https://hooks.example.com/mesh' });
      expect((await mesh.waitForTask(taskId)).status).toBe('completed');
      // The delivery job is lost with Redis before any webhook worker ran.
      await loseRedis();
      const sweeper = new RecoverySweeper(mesh.engine, { intervalMs: 60_000, quietMs: 0 });
      expect((await sweeper.sweep()).redispatched.webhook).toBe(1);
      expect(await mesh.runtime.queues.isLive('webhooks', `webhook-${taskId}`)).toBe(true);
      // While the job exists, nothing more; once delivered, never again.
      expect((await sweeper.sweep()).redispatched.webhook).toBe(0);
      await env.store.tasks.markWebhook(taskId, 'delivered');
      await loseRedis();
      expect((await sweeper.sweep()).redispatched.webhook).toBe(0);
      expect((await env.store.tasks.get('tenant-a', taskId))?.webhook_status).toBe('delivered');
      await sweeper.stop();
    } finally {
      await mesh.close();
    }
  });

  it('refreshes the planner statistics of tables that changed a lot, as the leader', async () => {
    const mesh = await startInProcessMesh(env, model(), { workers: false });
    try {
      const networkId = await mesh.createNetwork();
      await insertMemories(networkId, 1_000);
      const sweeper = new RecoverySweeper(mesh.engine, { intervalMs: 60_000, quietMs: 0 });
      // Table counters reach pg_stat_user_tables about once a second.
      let analyzed: string[] = [];
      await waitUntil(async () => {
        analyzed = (await sweeper.sweep()).analyzed;
        return analyzed.includes('memory_items');
      }, 20_000);
      expect(analyzed).toContain('memory_items');
      expect((await sweeper.sweep()).analyzed).not.toContain('memory_items');
      await sweeper.stop();
    } finally {
      await mesh.close();
    }
  });

  it('between sweeps, refreshes statistics on its own shorter period', async () => {
    const mesh = await startInProcessMesh(env, model(), { workers: false });
    const sweeper = new RecoverySweeper(mesh.engine, { intervalMs: 600_000, statisticsIntervalMs: 100 });
    try {
      const networkId = await mesh.createNetwork();
      const analyzedAt = async () =>
        (await env.db.query<{ at: Date | null }>(`SELECT last_analyze AS at FROM pg_stat_user_tables WHERE schemaname = current_schema() AND relname = 'memory_items'`)).rows[0]?.at ?? null;
      const before = await analyzedAt();
      await insertMemories(networkId, 3_000);
      sweeper.start();
      // No sweep is due for ten minutes; only the statistics refresh can analyse the table.
      await waitUntil(async () => {
        const at = await analyzedAt();
        return at !== null && (before === null || at > before);
      }, 20_000);
    } finally {
      await sweeper.stop();
      await mesh.close();
    }
  });

  it('sweeps in one process at a time: leadership passes on when the leader stops', async () => {
    const a = await startInProcessMesh(env, model(), { workers: false });
    const b = await startInProcessMesh(env, model(), { workers: false });
    try {
      const first = new RecoverySweeper(a.engine, { intervalMs: 60_000 });
      const second = new RecoverySweeper(b.engine, { intervalMs: 60_000 });
      expect((await first.sweep()).leader).toBe(true);
      expect((await second.sweep()).leader).toBe(false);
      expect((await first.sweep()).leader).toBe(true);
      await first.stop();
      expect((await second.sweep()).leader).toBe(true);
      await second.stop();
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('keeps re-dispatched jobs in the task\'s trace', async () => {
    const idle = await startInProcessMesh(env, model(), { workers: false });
    try {
      await idle.runtime.queues.coordinator.pause();
      const networkId = await idle.createNetwork();
      const taskId = await idle.submit(networkId, { task: 'traced' });
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      await env.db.query('UPDATE tasks SET trace_id = $2 WHERE id = $1', [taskId, traceId]);
      await loseRedis();
      // Losing Redis lost the pause too: the re-dispatched job must wait to be looked at.
      await idle.runtime.queues.coordinator.pause();
      const sweeper = new RecoverySweeper(idle.engine, { intervalMs: 60_000, quietMs: 0 });
      expect((await sweeper.sweep()).redispatched.step).toBe(1);
      await sweeper.stop();
      const job = await idle.runtime.queues.coordinator.getJob(jobIds.step(taskId, 1));
      expect((job?.data as { trace?: Record<string, string> }).trace?.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
      // Nothing else to see here: end the task rather than leave it to the sweeps of other tests.
      expect(await stopTask(idle.engine, 'tenant-a', taskId, 'cancelled', 'test over')).toBe(true);
    } finally {
      await idle.runtime.queues.coordinator.resume();
      await idle.close();
    }
  });
});

/** Inserts `count` memory items and publishes the table counters at once (a backend otherwise waits until it idles, up to 10 s). */
async function insertMemories(networkId: string, count: number): Promise<void> {
  const client = await env.db.pool.connect();
  try {
    await client.query(
      `INSERT INTO memory_items (id, tenant_id, network_id, memory_type, content)
       SELECT gen_random_uuid(), 'tenant-a', $1, 'fact', 'fact ' || $2::text || ' ' || g FROM generate_series(1, $2::int) g`,
      [networkId, count],
    );
    await client.query('SELECT pg_stat_force_next_flush()');
    await client.query('SELECT 1');
  } finally {
    client.release();
  }
}

async function waitUntil(probe: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

