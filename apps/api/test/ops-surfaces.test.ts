import { request, type IncomingHttpHeaders } from 'node:http';
import { AgentWorkerPool, createRuntime, startCoordinatorWorker, type Runtime } from '@mesh/host';
import { agentJobHandlers, coordinatorJobs, createEngine, meshSimulatedResponders } from '@mesh/mesh';
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

/** A request with the path sent exactly as written: fetch would resolve `..` and re-encode it first. */
function raw(method: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: IncomingHttpHeaders; text: string }> {
  const { hostname, port } = new URL(h.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
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
  const withKey = { authorization: `Bearer ${KEY_A}` };

  it('is Prometheus text behind the API key by default, and open only with MESH_METRICS_AUTH=false (a private scrape network)', async () => {
    expect(h.deps.config.metricsAuth).toBe(true);
    for (const headers of [{}, { authorization: 'Bearer wrong-key-123' }, { authorization: basic('wrong-key-123') }] as Record<string, string>[]) {
      const refused = await get('/metrics', headers);
      expect(refused.status).toBe(401);
      expect(refused.text).not.toContain('mesh_');
    }
    for (const headers of [withKey, { authorization: basic(KEY_A) }, { 'x-api-key': KEY_B }] as Record<string, string>[]) {
      const scraped = await get('/metrics', headers);
      expect(scraped.status).toBe(200);
      expect(scraped.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(scraped.text).toContain('# TYPE mesh_tasks_total counter');
    }
    await withVariant({ config: { ...h.deps.config, metricsAuth: false } }, async (url) => {
      const open = await get('/metrics', {}, url);
      expect(open.status).toBe(200);
      expect(open.text).toContain('# TYPE mesh_tasks_total counter');
    });
  });

  it('exposes the named series, and they move when a task runs', async () => {
    const runtime: Runtime = await createRuntime(h.t.config, { service: 'test-engine', logger: nullLogger, responders: meshSimulatedResponders });
    const engine = await createEngine(runtime);
    const coordinator: Worker = startCoordinatorWorker(runtime, coordinatorJobs(engine));
    const pool = new AgentWorkerPool(runtime, { agents: 'all', concurrency: 5, handlers: agentJobHandlers(engine) });
    await pool.start();
    await coordinator.waitUntilReady();
    try {
      const apiBefore = (await get('/metrics', withKey)).text;
      const engineBefore = (await runtime.metrics.render()).body;
      const network = await h.call('POST', '/networks', { json: SEED.network });
      const submitted = await h.call('POST', `/networks/${network.body.id}/tasks?wait=20`, { json: { ...SEED.task, process: true } });
      expect(submitted.status).toBe(200);
      expect(submitted.body.status).toBe('completed');

      const api = (await get('/metrics', withKey)).text;
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

describe('surfaces outside the API routes', () => {
  // The API routes are walked by auth-and-errors.test.ts (only GET /api/mesh/health is public there).
  it('answer 401 without a valid key and 200 with one: console, Bull Board, /metrics, the OpenAPI document and the docs page', async () => {
    // Assets are found the way a browser finds them, from the pages that load them.
    const consolePage = await get('/console/', { authorization: basic(KEY_A) });
    expect({ status: consolePage.status, hint: consolePage.status === 503 ? 'run `npm run build`: the console is not built' : '' }).toEqual({ status: 200, hint: '' });
    const consoleAsset = /src="(\/console\/assets\/[^"]+\.js)"/.exec(consolePage.text)?.[1];
    const boardPage = await get('/admin/queues', { authorization: basic(KEY_A) });
    const boardAsset = /href="(static\/[^"]+\.css)"/.exec(boardPage.text)?.[1];
    expect({ consoleAsset, boardAsset }).toEqual({ consoleAsset: expect.any(String), boardAsset: expect.any(String) });

    const surfaces = [
      '/console',
      '/console/',
      '/console/networks/8a1b7c2d-0000-4000-8000-000000000000/tasks',
      consoleAsset!,
      '/admin/queues',
      '/admin/queues/queue/coordinator',
      `/admin/queues/${boardAsset!}`,
      '/admin/queues/api/queues',
      '/admin/queues/api/redis/stats',
      '/metrics',
      '/api/mesh/openapi.json',
      '/api/mesh/docs',
    ];
    const refused: Record<string, string>[] = [{}, { authorization: 'Bearer wrong-key-123' }, { authorization: basic('wrong-key-123') }, { 'x-api-key': '' }, { authorization: `Bearer ${KEY_A}`, 'x-api-key': KEY_B }];
    const accepted: Record<string, string>[] = [{ authorization: basic(KEY_A) }, { authorization: `Bearer ${KEY_B}` }, { 'x-api-key': KEY_A }];
    for (const path of surfaces) {
      for (const headers of refused) {
        const res = await get(path, headers);
        expect({ path, headers, status: res.status, challenge: res.headers.get('www-authenticate') }).toEqual({ path, headers, status: 401, challenge: 'Basic realm="agent-mesh"' });
        expect(JSON.parse(res.text)).toMatchObject({ error: { code: 'unauthorized' } });
      }
      for (const headers of accepted) {
        expect({ path, headers, status: (await get(path, headers)).status }).toEqual({ path, headers, status: 200 });
      }
    }
  });

  it('leave only the health probes and the links at / open: /livez, /readyz, /api/mesh/health and / answer without a key', async () => {
    for (const path of ['/livez', '/readyz', '/api/mesh/health', '/']) {
      expect({ path, status: (await get(path)).status }).toEqual({ path, status: 200 });
    }
  });

  describe('GET /', () => {
    const LINKS = { name: 'Agent Mesh', console: '/console/', docs: '/api/mesh/docs', openapi: '/api/mesh/openapi.json', health: '/api/mesh/health' };
    const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';

    it('answers the paths of the console, docs, OpenAPI document and health as JSON, with or without a key, and nothing else', async () => {
      for (const headers of [{}, { accept: '*/*' }, { accept: 'application/json' }, { authorization: 'Bearer wrong-key-123' }, { authorization: basic(KEY_A) }] as Record<string, string>[]) {
        const res = await get('/', headers);
        expect({ headers, status: res.status, type: res.headers.get('content-type'), challenge: res.headers.get('www-authenticate') }).toEqual({ headers, status: 200, type: 'application/json; charset=utf-8', challenge: null });
        expect(JSON.parse(res.text)).toEqual(LINKS);
        expect(res.headers.get('vary')).toMatch(/Accept/);
      }
      expect((await get('/?utm_source=x')).status).toBe(200);
    });

    it('sends a browser to the console, which asks for the key', async () => {
      const res = await fetch(`${h.url}/`, { headers: { accept: BROWSER }, redirect: 'manual' });
      expect({ status: res.status, location: res.headers.get('location') }).toEqual({ status: 302, location: '/console/' });
      const consolePage = await get('/console/', { accept: BROWSER });
      expect({ status: consolePage.status, challenge: consolePage.headers.get('www-authenticate') }).toEqual({ status: 401, challenge: 'Basic realm="agent-mesh"' });
    });

    it('points at paths that answer: health without a key, the console, docs and OpenAPI document with one', async () => {
      expect((await get(LINKS.health)).status).toBe(200);
      for (const path of [LINKS.console, LINKS.docs, LINKS.openapi]) {
        expect({ path, without: (await get(path)).status, with: (await get(path, { authorization: basic(KEY_A) })).status }).toEqual({ path, without: 401, with: 200 });
      }
    });

    it('answers HEAD as it answers GET, without a body', async () => {
      const json = await raw('HEAD', '/');
      expect({ status: json.status, type: json.headers['content-type'], text: json.text }).toEqual({ status: 200, type: 'application/json; charset=utf-8', text: '' });
      const browser = await raw('HEAD', '/', { accept: BROWSER });
      expect({ status: browser.status, location: browser.headers.location, text: browser.text }).toEqual({ status: 302, location: '/console/', text: '' });
    });

    it('is / only: other methods on it and other unknown paths still answer 404 in the error shape', async () => {
      for (const [method, path] of [['POST', '/'], ['PUT', '/'], ['DELETE', '/'], ['GET', '//'], ['GET', '/index.html'], ['GET', '/%2e'], ['GET', '/.'], ['GET', '/console-x'], ['GET', '/api'], ['GET', '/api/mesh']] as const) {
        for (const headers of [{}, { accept: BROWSER }] as Record<string, string>[]) {
          const res = await raw(method, path, headers);
          expect({ method, path, headers, status: res.status }).toEqual({ method, path, headers, status: 404 });
          expect(JSON.parse(res.text)).toMatchObject({ error: { code: 'not_found' } });
        }
      }
    });
  });

  describe('hostile requests with a valid key', () => {
    const withKey = { authorization: basic(KEY_A) };
    const SECRET_FILE = /root:.*:0:0:|"name": ?"agent-mesh"|"devDependencies"/;
    // [method, raw path, the statuses that are acceptable]
    const cases: [string, string, number[]][] = [
      ['GET', '/console/..%2f..%2fetc%2fpasswd', [404]],
      ['GET', '/console/../../etc/passwd', [200, 404]],
      ['GET', '/console/%2e%2e/%2e%2e/%2e%2e/etc/passwd', [200, 404]],
      ['GET', '/console/..%5c..%5c..%5cpackage.json', [404]],
      ['GET', '/console/assets/..%2f..%2f..%2f..%2fpackage.json', [400, 403, 404]],
      ['GET', '/console/assets/../../../../package.json', [400, 403, 404]],
      ['GET', '/console/assets/%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fpackage.json', [400, 403, 404]],
      ['GET', '/console/%00', [200, 400, 404]],
      ['GET', '/console/index.html%00.js', [400, 404]],
      ['GET', '/console/assets/%00.js', [400, 404]],
      ['GET', '/console/assets/index.js%00', [400, 404]],
      ['GET', '/console/%E0%A4%A', [200, 400, 404]],
      ['GET', `/console/${'a'.repeat(8_000)}`, [200, 404, 414]],
      ['POST', '/console/', [404, 405]],
      ['DELETE', '/console/assets/index.js', [404, 405]],
      ['GET', '/admin/queues/..%2f..%2fetc%2fpasswd', [404]],
      ['GET', '/admin/queues/static/..%2f..%2f..%2f..%2fpackage.json', [400, 403, 404]],
      ['GET', '/admin/queues/static/../../../../package.json', [400, 403, 404]],
      ['GET', '/admin/queues/static/%00', [400, 404]],
      ['GET', '/admin/queues/queue/%00', [200, 400, 404]],
      ['GET', '/admin/queues/api/queues?activeQueue=%E0%A4%A', [400]],
      ['GET', '/admin/queues/api/queues?activeQueue=coordinator&status=%00', [400]],
      ['GET', '/admin/queues/api/queues?activeQueue=../../etc&status=latest', [200, 400]],
      ['GET', '/admin/queues/api/queues?page=-1&jobsPerPage=abc', [400]],
      ['GET', `/admin/queues/api/queues?activeQueue=${'q'.repeat(5_000)}`, [200, 400]],
      ['GET', '/admin/queues/api/queues/no-such-queue/no-such-job', [404]],
      ['GET', '/admin/queues/api/queues/coordinator/..%2f..%2f', [404]],
      ['GET', '/admin/queues/api/queues/coordinator/%00', [400, 404]],
      ['PUT', '/admin/queues/api/queues/no-such-queue/retry/failed', [404]],
      ['PUT', '/admin/queues/api/queues/coordinator/%00/retry/failed', [400, 404]],
      ['PUT', '/admin/queues/api/queues/coordinator/clean/not-a-status', [200, 400]],
      ['GET', '/metrics?name[]=x&name=%00', [200]],
      ['GET', '/metrics?%E0%A4%A', [200, 400]],
      ['GET', '/metrics/..%2f..%2fetc%2fpasswd', [404]],
      ['GET', '/metrics%00', [404]],
      ['POST', '/metrics', [404, 405]],
      ['GET', '/..%2f..%2fpackage.json', [404]],
      ['GET', '/%2e%2e/%2e%2e/etc/passwd', [200, 404]],
      ['GET', '/?%E0%A4%A', [200, 400]],
    ];

    const named = cases.map(([method, path, statuses]) => [method, path.length > 100 ? `${path.slice(0, 40)}… (${path.length} characters)` : path, statuses, path] as const);
    it.each(named)('%s %s answers one of %j, never 5xx, never a file outside the build', async (method, _name, statuses, path) => {
      const res = await raw(method, path, withKey);
      expect({ method, path, status: statuses.includes(res.status) ? 'one of them' : res.status }).toEqual({ method, path, status: 'one of them' });
      expect(res.text).not.toMatch(SECRET_FILE);
    });

    it('leave the API healthy, and the board still serving the queues', async () => {
      expect((await get('/livez')).status).toBe(200);
      expect((await get('/api/mesh/health')).status).toBe(200);
      expect((await get('/admin/queues/api/queues', withKey)).status).toBe(200);
    });
  });
});
