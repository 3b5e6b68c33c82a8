import { AgentWorkerPool, createRuntime, startCoordinatorWorker, type Runtime } from '@mesh/mesh';
import { nullLogger, sampleValue } from '@mesh/observability';
import type { Worker } from 'bullmq';
import type { ApiDeps } from '../src/api-deps';
import { ApiLifecycle } from '../src/lifecycle';
import { startApiServer } from '../src/server';
import { KEY_A, KEY_B, SEED, startApiHarness, type ApiHarness } from './api-harness';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness('api-ops', { MESH_AGENT_DISCOVERY_MS: '100' });
});
afterAll(async () => {
  await h.close();
});

const basic = (key: string) => `Basic ${Buffer.from(`operator:${key}`).toString('base64')}`;

async function get(path: string, headers: Record<string, string> = {}, base = h.url): Promise<{ status: number; headers: Headers; text: string }> {
  const res = await fetch(`${base}${path}`, { headers });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** Another API server over the same environment with some dependencies replaced. */
async function withVariant(overrides: Partial<ApiDeps>, fn: (url: string) => Promise<void>): Promise<void> {
  const server = await startApiServer({ ...h.deps, ...overrides }, { port: 0, host: '127.0.0.1', drainTimeoutMs: 0 });
  try {
    await fn(server.url);
  } finally {
    await server.close();
  }
}

describe('Bull Board', () => {
  it('answers 401 with a Basic challenge without credentials, and with a wrong key', async () => {
    const attempts: Record<string, string>[] = [{}, { authorization: basic('wrong-key-123') }, { authorization: 'Bearer wrong-key-123' }];
    for (const headers of attempts) {
      for (const path of ['/admin/queues', '/admin/queues/api/queues']) {
        const res = await get(path, headers);
        expect({ path, status: res.status }).toEqual({ path, status: 401 });
        expect(res.headers.get('www-authenticate')).toMatch(/^Basic /);
        expect(res.text).not.toContain('agent-');
      }
    }
  });

  it('shows the coordinator, webhooks and every agent-type queue, custom types added at run time too', async () => {
    const page = await get('/admin/queues', { authorization: basic(KEY_A) });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const network = await h.call('POST', '/networks', { json: { name: 'Board' } });
    expect(network.status).toBe(201);
    const queueNames = async () => {
      const res = await get('/admin/queues/api/queues', { authorization: basic(KEY_A) });
      expect(res.status).toBe(200);
      return (JSON.parse(res.text) as { queues: { name: string }[] }).queues.map((q) => q.name).sort();
    };
    const defaults = ['agent-analytics', 'agent-content', 'agent-design', 'agent-personalization', 'coordinator', 'webhooks'];
    await new Promise((r) => setTimeout(r, 150)); // past MESH_AGENT_DISCOVERY_MS, so the board reads the types again
    expect(await queueNames()).toEqual(defaults);
    expect((await h.call('POST', `/networks/${network.body.id}/agents`, { json: SEED.seoAgent })).status).toBe(201);
    await new Promise((r) => setTimeout(r, 150));
    expect(await queueNames()).toEqual([...defaults, 'agent-seo'].sort());
    // Bearer and X-API-Key work as well (scripts).
    expect((await get('/admin/queues/api/queues', { authorization: `Bearer ${KEY_A}` })).status).toBe(200);
    expect((await get('/admin/queues/api/queues', { 'x-api-key': KEY_A })).status).toBe(200);
  });

  it('is limited to MESH_ADMIN_TENANTS when set', async () => {
    await withVariant({ config: { ...h.deps.config, adminTenants: ['tenant-b'] } }, async (url) => {
      expect((await get('/admin/queues/api/queues', { authorization: basic(KEY_A) }, url)).status).toBe(403);
      expect((await get('/admin/queues/api/queues', { authorization: basic(KEY_B) }, url)).status).toBe(200);
    });
  });
});

describe('probes', () => {
  it('/livez and /readyz answer without credentials; readiness fails while draining', async () => {
    expect(await get('/livez')).toMatchObject({ status: 200, text: '{"status":"ok"}' });
    expect(await get('/readyz')).toMatchObject({ status: 200, text: '{"status":"ready"}' });
    const lifecycle = new ApiLifecycle();
    await withVariant({ lifecycle }, async (url) => {
      expect((await get('/readyz', {}, url)).status).toBe(200);
      lifecycle.beginDrain();
      const ready = await get('/readyz', {}, url);
      expect(ready.status).toBe(503);
      expect(JSON.parse(ready.text)).toEqual({ status: 'not_ready', redis: true, database: true, draining: true });
      expect((await get('/livez', {}, url)).status).toBe(200);
    });
  });
});

describe('/metrics', () => {
  it('is Prometheus text without credentials by default, and behind the key with MESH_METRICS_AUTH', async () => {
    const open = await get('/metrics');
    expect(open.status).toBe(200);
    expect(open.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(open.text).toContain('# TYPE mesh_tasks_total counter');
    await withVariant({ config: { ...h.deps.config, metricsAuth: true } }, async (url) => {
      expect((await get('/metrics', {}, url)).status).toBe(401);
      expect((await get('/metrics', { authorization: `Bearer ${KEY_A}` }, url)).status).toBe(200);
    });
  });

  it('exposes the named series, and they move when a task runs', async () => {
    const runtime: Runtime = await createRuntime(h.t.config, { service: 'test-engine', logger: nullLogger });
    const coordinator: Worker = startCoordinatorWorker(runtime);
    const pool = new AgentWorkerPool(runtime, { agents: 'all', concurrency: 5 });
    await pool.start();
    await coordinator.waitUntilReady();
    try {
      const apiBefore = (await get('/metrics')).text;
      const engineBefore = (await runtime.metrics.render()).body;
      const network = await h.call('POST', '/networks', { json: SEED.network });
      const submitted = await h.call('POST', `/networks/${network.body.id}/tasks?wait=20`, { json: { ...SEED.task, process: true } });
      expect(submitted.status).toBe(200);
      expect(submitted.body.status).toBe('completed');

      const api = (await get('/metrics')).text;
      const engine = (await runtime.metrics.render()).body;
      const moved = (name: string, labels: Record<string, string>, before: string, after: string) => (sampleValue(after, name, labels) ?? 0) - (sampleValue(before, name, labels) ?? 0);

      // The API made the queued transition and reads queue depths at scrape time.
      expect(moved('mesh_tasks_total', { status: 'queued' }, apiBefore, api)).toBe(1);
      for (const queue of ['coordinator', 'webhooks', 'agent-content', 'agent-design']) {
        expect({ queue, waiting: sampleValue(api, 'mesh_queue_jobs', { queue, state: 'waiting' }) }).toEqual({ queue, waiting: 0 });
        expect(sampleValue(api, 'mesh_queue_jobs', { queue, state: 'failed' })).toBe(0);
      }
      expect(sampleValue(api, 'mesh_http_request_duration_seconds_count', { route: '/api/mesh/networks/:network_id/tasks', method: 'POST', status: '200' })).toBe(1);

      // The engine process: terminal status and durations, subtasks by agent type, model calls, tokens, memory retrievals.
      expect(moved('mesh_tasks_total', { status: 'completed' }, engineBefore, engine)).toBe(1);
      expect(moved('mesh_task_duration_seconds_count', { status: 'completed' }, engineBefore, engine)).toBe(1);
      const subtasks = submitted.body.subtasks as { agent_type: string; status: string }[];
      expect(subtasks.length).toBeGreaterThan(0);
      for (const type of new Set(subtasks.map((s) => s.agent_type))) {
        const count = subtasks.filter((s) => s.agent_type === type && s.status === 'completed').length;
        expect({ type, count: moved('mesh_subtask_duration_seconds_count', { agent_type: type, status: 'completed' }, engineBefore, engine) }).toEqual({ type, count });
      }
      const modelCalls = moved('mesh_llm_requests_total', { provider: 'simulated', outcome: 'success' }, engineBefore, engine);
      expect(modelCalls).toBe(submitted.body.usage.llm_calls);
      expect(moved('mesh_llm_tokens_total', { provider: 'simulated', direction: 'input' }, engineBefore, engine)).toBe(submitted.body.usage.input_tokens);
      expect(moved('mesh_llm_tokens_total', { provider: 'simulated', direction: 'output' }, engineBefore, engine)).toBe(submitted.body.usage.output_tokens);
      expect(moved('mesh_memory_items_retrieved_count', { purpose: 'subtask' }, engineBefore, engine)).toBe(subtasks.length);
      expect(moved('mesh_memory_items_retrieved_count', { purpose: 'plan' }, engineBefore, engine)).toBe(submitted.body.iterations);
      for (const name of ['mesh_llm_cost_usd_total', 'mesh_llm_fallbacks_total', 'mesh_llm_circuit_state', 'mesh_llm_rate_limit_wait_seconds']) {
        expect(engine).toContain(`# TYPE ${name} `);
      }
    } finally {
      await pool.close();
      await coordinator.close();
      await runtime.close();
    }
  });
});
