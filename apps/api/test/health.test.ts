import { Health } from '@mesh/core';
import { sampleValue } from '@mesh/observability';
import { createRedisConnection, startHeartbeat } from '@mesh/queue';
import { createDb, createStore } from '@mesh/store';
import { startApiHarness, type ApiHarness } from './api-harness';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness('api-health');
});
afterAll(async () => {
  await h.close();
});

const closedCircuits = async (): Promise<Health['llm_client']> => ({
  mode: 'simulated',
  providers: { simulated: { configured: true, circuit: 'closed' } },
});

async function health(call = h.call) {
  const res = await call('GET', '/health', { key: null });
  // The body validates against its own schema in every case.
  return { status: res.status, body: Health.parse(res.body), headers: res.headers };
}

describe('GET /api/mesh/health', () => {
  it('is degraded without live coordinator and worker heartbeats, and needs no key', async () => {
    const res = await health();
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'degraded', redis_connection: 'connected', database_connection: 'connected', workers: [] });
    expect(res.body.version).toBe('0.1.0');
    expect(res.body.llm_client.mode).toBe('simulated');
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('reads circuit state from the heartbeats of the fleet (the API builds no model client): the worst state of a provider wins', async () => {
    const llm = (anthropic: 'closed' | 'open' | 'half_open') => async () => ({
      mode: 'live' as const,
      providers: {
        anthropic: { configured: true, circuit: anthropic, models: { 'anthropic:claude-sonnet-5-5': anthropic } },
        openai: { configured: true, circuit: 'closed' as const, models: { 'openai:gpt-5.6-sol': 'closed' as const } },
      },
    });
    const stopCoordinator = startHeartbeat(h.t.redis, h.t.queuePrefix, { id: 'coordinator-c', kind: 'coordinator', agentTypes: () => [], llm: llm('closed') });
    const stopWorker = startHeartbeat(h.t.redis, h.t.queuePrefix, { id: 'worker-c', kind: 'worker', agentTypes: () => ['content'], llm: llm('open') });
    try {
      await new Promise((r) => setTimeout(r, 100)); // the first beats are written
      const res = await health();
      expect(res.body.status).toBe('degraded');
      expect(res.body.llm_client).toEqual({ mode: 'live', providers: { anthropic: { configured: true, circuit: 'open' }, openai: { configured: true, circuit: 'closed' } } });
      // The workers list keeps its shape: the model layer's view is not part of it.
      expect(res.body.workers.every((w) => !('llm' in w))).toBe(true);
      // The API's /metrics reports the same circuits: 2 is open.
      const scraped = (await h.deps.metrics.render()).body;
      expect(sampleValue(scraped, 'mesh_llm_circuit_state', { provider: 'anthropic', model: 'claude-sonnet-5-5' })).toBe(2);
      expect(sampleValue(scraped, 'mesh_llm_circuit_state', { provider: 'openai', model: 'gpt-5.6-sol' })).toBe(0);
    } finally {
      await stopCoordinator();
      await stopWorker();
    }
  });

  it('is ok with a coordinator and a worker alive and every circuit closed; counts active networks and tasks', async () => {
    const network = (await h.call('POST', '/networks', { json: { name: 'Health' } })).body.id;
    await h.call('POST', `/networks/${network}/tasks`, { json: { task: 'Run', process: true } });
    const variant = await h.startVariant({ llmHealth: closedCircuits });
    const stopCoordinator = startHeartbeat(h.t.redis, h.t.queuePrefix, { id: 'coordinator-1', kind: 'coordinator', agentTypes: () => [] });
    const stopWorker = startHeartbeat(h.t.redis, h.t.queuePrefix, { id: 'worker-1', kind: 'worker', agentTypes: () => ['design', 'content'] });
    try {
      const res = await health(variant.call);
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('ok');
      expect(res.body.workers.map((w) => [w.id, w.kind, w.agent_types])).toEqual([
        ['coordinator-1', 'coordinator', []],
        ['worker-1', 'worker', ['content', 'design']],
      ]);
      expect(res.body.active_networks_count).toBe(await h.count('networks'));
      const { rows } = await h.t.db.query<{ count: string }>(`SELECT count(*) FROM tasks WHERE status IN ('queued', 'in_progress')`);
      expect(res.body.active_tasks_count).toBe(Number(rows[0]?.count));
      expect(res.body.active_tasks_count).toBeGreaterThan(0);

      await stopWorker();
      expect((await health(variant.call)).body.status).toBe('degraded');
    } finally {
      await stopCoordinator();
      await stopWorker();
      await variant.close();
    }
  });

  it('is degraded while a provider circuit is open', async () => {
    const variant = await h.startVariant({
      llmHealth: async () => ({ mode: 'live', providers: { anthropic: { configured: true, circuit: 'open' }, openai: { configured: true, circuit: 'closed' } } }),
    });
    const stopCoordinator = startHeartbeat(h.t.redis, h.t.queuePrefix, { id: 'coordinator-2', kind: 'coordinator', agentTypes: () => [] });
    const stopWorker = startHeartbeat(h.t.redis, h.t.queuePrefix, { id: 'worker-2', kind: 'worker', agentTypes: () => ['content'] });
    try {
      const res = await health(variant.call);
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('degraded');
      expect(res.body.llm_client.providers.anthropic?.circuit).toBe('open');
    } finally {
      await stopCoordinator();
      await stopWorker();
      await variant.close();
    }
  });

  it('is down (503) when Redis is unreachable, and says so', async () => {
    const deadRedis = createRedisConnection('redis://127.0.0.1:1', 'producer', { retryStrategy: () => null });
    const variant = await h.startVariant({ redis: deadRedis, llmHealth: closedCircuits });
    try {
      const res = await health(variant.call);
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ status: 'down', redis_connection: 'disconnected', database_connection: 'connected', workers: [] });
    } finally {
      await variant.close();
      // ioredis arms a 2 s timer when disconnecting a connection that has already ended.
      if (deadRedis.status !== 'end') deadRedis.disconnect();
    }
  });

  it('is down (503) when Postgres is unreachable, and says so', async () => {
    const deadDb = createDb({ url: 'postgres://postgres@127.0.0.1:1/postgres', schema: h.t.schema });
    const variant = await h.startVariant({ store: createStore(deadDb) });
    try {
      const res = await health(variant.call);
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ status: 'down', redis_connection: 'connected', database_connection: 'disconnected', active_networks_count: 0, active_tasks_count: 0 });
    } finally {
      await variant.close();
      await deadDb.close();
    }
  });

  it('still answers with a valid body when the model layer cannot report', async () => {
    const variant = await h.startVariant({
      llmHealth: async () => {
        throw new Error('circuit state unreadable');
      },
    });
    try {
      const res = await health(variant.call);
      expect(res.status).toBe(200);
      expect(Object.keys(res.body.llm_client.providers)).toContain('simulated');
    } finally {
      await variant.close();
    }
  });
});
