/**
 * Budgets across real processes (API, coordinator, worker from dist; the simulated provider with
 * a latency, so model calls of a task are spread over time). Usage as the API reports it equals
 * the stored model-call rows; a tenant budget set by an operator warns at 80 % (a `budget.warning`
 * event) and, used up in the middle of a task, stops it before its next model call (`failed`,
 * saying why); new tasks then get 402. Bad input, other tenants and MESH_BUDGETS.
 */
import { SseParser, type SseEvent } from '@mesh/client';
import { createApiClient, createTestEnv, freePort, launchApp, waitFor, type ApiClient, type LaunchedProcess, type TestEnv } from '@mesh/testing';

const KEY_A = 'key-tenant-a-123';
const KEY_B = 'key-tenant-b-456';

let env: TestEnv;
let a: ApiClient;
let b: ApiClient;
const processes: LaunchedProcess[] = [];

beforeAll(async () => {
  const port = await freePort();
  env = await createTestEnv('budgets', {
    PORT: String(port),
    MESH_SIM_LATENCY_MS: '400',
    MESH_BUDGET_CHECK_MAX_AGE_MS: '100',
    MESH_ADMIN_TENANTS: 'tenant-a',
    MESH_BUDGETS: 'tenant-b:month:cost=1000',
  });
  a = createApiClient(`http://127.0.0.1:${port}`, KEY_A);
  b = createApiClient(`http://127.0.0.1:${port}`, KEY_B);
  processes.push(...(await Promise.all([launchApp('api', env.env), launchApp('coordinator', env.env), launchApp('worker', env.env, { args: ['--agents', 'all'] })])));
}, 60_000);

afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop(5_000)));
  await env?.cleanup();
});

async function network(client: ApiClient): Promise<string> {
  const res = await client.request('POST', '/networks', { name: 'Budgeted', agents: [{ name: 'Coordinator', type: 'coordinator' }, { name: 'Writer', type: 'content' }], max_iterations: 3 });
  expect(res.status).toBe(201);
  return res.body.network_id as string;
}

async function run(client: ApiClient, networkId: string): Promise<any> {
  const res = await client.request('POST', `/networks/${networkId}/tasks?wait=60`, { task: 'Write the launch email', process: true });
  expect([200, 201]).toContain(res.status);
  return res.body;
}

/** The task's events until `end`, for a task stored first and started once the stream is open. */
async function eventsOf(client: ApiClient, key: string, networkId: string): Promise<{ taskId: string; events: SseEvent[] }> {
  const stored = await client.request('POST', `/networks/${networkId}/tasks`, { task: 'Write the follow-up email' });
  const taskId = stored.body.task_id as string;
  const res = await fetch(`${client.url}/api/mesh/networks/${networkId}/tasks/${taskId}/events`, { headers: { authorization: `Bearer ${key}`, accept: 'text/event-stream' } });
  const parser = new SseParser();
  const decoder = new TextDecoder();
  const events: SseEvent[] = [];
  const reader = res.body!.getReader();
  expect((await client.request('POST', `/networks/${networkId}/tasks/${taskId}/process`)).status).toBe(202);
  const until = Date.now() + 30_000;
  while (!events.some((e) => e.event === 'end') && Date.now() < until) {
    const { done, value } = await reader.read();
    if (done) break;
    events.push(...parser.push(decoder.decode(value, { stream: true })));
  }
  await reader.cancel().catch(() => undefined);
  return { taskId, events };
}

describe('budgets', () => {
  it('usage equals the stored model calls, by every grouping, and no tenant sees another', async () => {
    const networkId = await network(a);
    expect((await run(a, networkId)).status).toBe('completed');
    const { rows } = await env.db.query<{ tokens: string; cost: string; calls: string }>(
      `SELECT sum(input_tokens + output_tokens) AS tokens, sum(cost_usd) AS cost, count(*) AS calls FROM llm_calls WHERE tenant_id = 'tenant-a'`,
    );
    for (const group of ['network', 'agent_type', 'model', 'day']) {
      const usage = await a.request('GET', `/usage?group_by=${group}`);
      expect(usage.status).toBe(200);
      expect(usage.body.total).toMatchObject({ tokens: Number(rows[0]!.tokens), llm_calls: Number(rows[0]!.calls) });
      expect(usage.body.total.cost_usd).toBeCloseTo(Number(rows[0]!.cost), 6);
      expect(usage.body.rows.reduce((s: number, r: any) => s + r.tokens, 0)).toBe(Number(rows[0]!.tokens));
    }
    const byAgent = (await a.request('GET', '/usage?group_by=agent_type')).body.rows.map((r: any) => r.key);
    expect(byAgent).toEqual(expect.arrayContaining(['content', 'coordinator']));
    expect((await a.request('GET', `/usage?group_by=network`)).body.rows.map((r: any) => r.key)).toEqual([networkId]);
    // Tenant B has used nothing, and does not see A's usage, nor A's network as a filter.
    expect((await b.request('GET', '/usage')).body.total).toMatchObject({ tokens: 0, llm_calls: 0 });
    expect((await b.request('GET', `/usage?network_id=${networkId}`)).status).toBe(404);
  }, 60_000);

  it('warns at 80 %, stops a task that uses it up before its next model call, and refuses new tasks with 402', async () => {
    const networkId = await network(a);
    const used = (await a.request('GET', '/usage')).body.total.tokens as number;
    // The day's usage is 85 % of the budget: the next task is warned at once and runs out midway.
    const put = await a.request('PUT', '/admin/budgets', { tenant_id: 'tenant-a', period: 'day', max_tokens: Math.ceil(used / 0.85) });
    expect(put.status).toBe(201);
    expect(put.body).toMatchObject({ tenant_id: 'tenant-a', network_id: null, source: 'api', used_tokens: used });
    expect(put.body.used_ratio).toBeGreaterThanOrEqual(0.8);
    expect((await a.request('PUT', '/admin/budgets', { tenant_id: 'tenant-a', period: 'day', max_tokens: Math.ceil(used / 0.85) })).status).toBe(200);
    expect((await a.request('GET', '/budgets')).body.budgets).toHaveLength(1);

    const { taskId, events } = await eventsOf(a, KEY_A, networkId);
    const warning = events.find((e) => e.event === 'budget.warning');
    expect(warning && JSON.parse(warning.data)).toMatchObject({ task_id: taskId, period: 'day', network_id: null });
    const task = (await a.request('GET', `/networks/${networkId}/tasks/${taskId}`)).body;
    expect(task.status).toBe('failed');
    expect(task.error).toMatch(/^Budget exhausted: the tenant's daily budget is used up \(\d+ of \d+ tokens; it renews at the start of the next UTC day\): the task stopped before its next model call/);
    // What was spent before the stop is recorded; nothing after.
    expect(task.usage.llm_calls).toBeGreaterThanOrEqual(1);

    const refused = await a.request('POST', `/networks/${networkId}/tasks`, { task: 'One more', process: true });
    expect(refused.status).toBe(402);
    expect(refused.body.error).toMatchObject({ code: 'budget_exhausted', message: expect.stringContaining("the tenant's daily budget is used up") });
    // Refused before anything is stored.
    expect((await a.request('GET', `/networks/${networkId}/tasks?status=pending`)).body.total).toBe(0);
    // Tenant B has its own budgets (from MESH_BUDGETS) and runs on.
    const bBudgets = (await b.request('GET', '/budgets')).body.budgets;
    expect(bBudgets).toEqual([expect.objectContaining({ tenant_id: 'tenant-b', period: 'month', max_cost_usd: 1000, source: 'config' })]);
    expect((await run(b, await network(b))).status).toBe('completed');

    // Removing the budget lets tasks start again.
    const budgetId = put.body.budget_id as string;
    expect((await a.request('DELETE', `/admin/budgets/${budgetId}`)).status).toBe(204);
    await waitFor('the budget to be gone', async () => ((await a.request('GET', '/budgets')).body.budgets.length === 0 ? true : undefined));
    expect((await run(a, networkId)).status).toBe('completed');
  }, 90_000);

  it('bad input and operators: 400 for budgets that are not positive and for bad usage queries, 403 for other keys', async () => {
    for (const body of [
      { tenant_id: 'tenant-a', period: 'day', max_tokens: -1 },
      { tenant_id: 'tenant-a', period: 'day', max_tokens: 0 },
      { tenant_id: 'tenant-a', period: 'day', max_cost_usd: 'ten' },
      { tenant_id: 'tenant-a', period: 'day' },
      { tenant_id: 'tenant-a', period: 'week', max_tokens: 10 },
      { tenant_id: 'tenant-a', period: 'day', max_tokens: 1.5 },
      { tenant_id: 'tenant-a', period: 'day', max_tokens: 10, used_tokens: 0 },
    ]) {
      expect({ body, status: (await a.request('PUT', '/admin/budgets', body)).status }).toEqual({ body, status: 400 });
    }
    expect((await b.request('PUT', '/admin/budgets', { tenant_id: 'tenant-b', period: 'day', max_tokens: 10 })).status).toBe(403);
    expect((await b.request('GET', '/admin/budgets')).status).toBe(403);
    expect((await a.request('PUT', '/admin/budgets', { tenant_id: 'tenant-b', network_id: await network(a), period: 'day', max_tokens: 10 })).status).toBe(404);
    expect((await a.request('GET', '/usage?group_by=tenant')).status).toBe(400);
    expect((await a.request('GET', '/usage?from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z')).status).toBe(400);
    expect((await a.request('GET', '/usage?from=yesterday')).status).toBe(400);
    expect((await a.request('GET', '/admin/budgets')).body.budgets.map((x: any) => x.tenant_id)).toEqual(['tenant-b']);
  }, 30_000);
});
