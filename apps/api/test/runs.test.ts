import { ErrorBody, RunList } from '@mesh/core';
import { startInProcessMesh, type InProcessMesh } from '@mesh/testing';
import { KEY_B, startApiHarness, type ApiHarness } from './api-harness';

/**
 * GET /runs, find any run: the tenant's tasks across its networks, newest first, filtered by
 * status, network, agent type, time range and cost, searched in their text, result and error, and
 * paged — never another tenant's.
 */

let h: ApiHarness;
let mesh: InProcessMesh;
const ids: Record<string, string> = {};

async function runs(query = '', key?: string): Promise<RunList> {
  const res = await h.call('GET', `/runs${query}`, key ? { key } : {});
  expect(res.status).toBe(200);
  return RunList.parse(res.body);
}

beforeAll(async () => {
  h = await startApiHarness('runs');
  mesh = await startInProcessMesh(h.t, undefined);
  ids.launchNet = await mesh.createNetwork({ name: 'Launch' });
  ids.reportNet = await mesh.createNetwork({ name: 'Reports', agents: [{ name: 'Coordinator', type: 'coordinator' }, { name: 'Writer', type: 'content' }] });
  ids.otherNet = await mesh.createNetwork({ name: 'Launch' }, 'tenant-b');
  // One at a time, so that their order by creation is known.
  for (const [name, net, text, tenant] of [
    ['email', 'launchNet', 'Launch email for TechPro X1', 'tenant-a'],
    ['webinar', 'launchNet', 'Plan the webinar', 'tenant-a'],
    ['report', 'reportNet', 'Quarterly report, 100% done', 'tenant-a'],
    ['foreign', 'otherNet', 'Launch email for TechPro X1', 'tenant-b'],
  ] as const) {
    ids[name] = await mesh.submit(ids[net]!, { task: text }, tenant);
    expect((await mesh.waitForTask(ids[name]!, 30_000, tenant)).status).toBe('completed');
  }
  ids.pending = (await h.deps.store.tasks.create('tenant-a', ids.reportNet, { task: 'A draft never started', context: {}, priority: 5, process: false }))!.id;
  // The webinar failed (set directly), and cost something.
  await h.t.db.query(`UPDATE tasks SET status = 'failed', error = 'The provider exploded' WHERE id = $1`, [ids.webinar]);
  await h.deps.store.llmCalls.record([
    { tenantId: 'tenant-a', networkId: ids.launchNet, taskId: ids.webinar, purpose: 'plan', provider: 'openai', model: 'gpt-x', chainPosition: 0, attempt: 1, latencyMs: 10, inputTokens: 100, outputTokens: 50, costUsd: 0.5, outcome: 'success' },
  ]);
}, 90_000);

afterAll(async () => {
  await mesh?.close();
  await h?.close();
});

describe('GET /runs', () => {
  it("lists the tenant's tasks across its networks, newest first, with network, usage, agent types and subtasks", async () => {
    const all = await runs();
    expect(all.runs.map((r) => r.id)).toEqual([ids.pending, ids.report, ids.webinar, ids.email]);
    expect(all).toMatchObject({ total: 4, limit: 25, offset: 0 });
    const email = all.runs.find((r) => r.id === ids.email)!;
    expect(email).toMatchObject({ network_id: ids.launchNet, network_name: 'Launch', status: 'completed', task: 'Launch email for TechPro X1' });
    expect(email.agent_types).toEqual(['analytics', 'content', 'design', 'personalization']);
    expect(email.subtasks).toBe(4);
    expect(email.usage.llm_calls).toBeGreaterThan(0);
    expect(email.duration_ms).toBeGreaterThanOrEqual(0);
    expect(all.runs.find((r) => r.id === ids.pending)).toMatchObject({ status: 'pending', started_at: null, duration_ms: null, subtasks: 0, agent_types: [] });
    // Tenant B sees only its own.
    expect((await runs('', KEY_B)).runs.map((r) => r.id)).toEqual([ids.foreign]);
  });

  it('filters by status, network, agent type, cost and time', async () => {
    expect((await runs('?status=failed')).runs.map((r) => r.id)).toEqual([ids.webinar]);
    expect((await runs(`?network_id=${ids.reportNet}`)).runs.map((r) => r.id)).toEqual([ids.pending, ids.report]);
    expect((await runs('?agent_type=design')).runs.map((r) => r.id)).toEqual([ids.webinar, ids.email]);
    expect((await runs('?agent_type=content&network_id=' + ids.reportNet)).runs.map((r) => r.id)).toEqual([ids.report]);
    expect((await runs('?min_cost_usd=0.4')).runs.map((r) => r.id)).toEqual([ids.webinar]);
    expect((await runs('?max_cost_usd=0.4')).runs.map((r) => r.id)).toEqual([ids.pending, ids.report, ids.email]);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const past = new Date(Date.now() - 3_600_000).toISOString();
    expect((await runs(`?from=${encodeURIComponent(future)}`)).total).toBe(0);
    expect((await runs(`?from=${encodeURIComponent(past)}&to=${encodeURIComponent(future)}`)).total).toBe(4);
    const webinar = (await runs()).runs.find((r) => r.id === ids.webinar)!;
    expect((await runs(`?to=${encodeURIComponent(webinar.created_at)}`)).runs.map((r) => r.id)).toEqual([ids.email]);
  });

  it('searches the text, result and error, case-insensitively, with % and _ matching themselves', async () => {
    expect((await runs('?q=techpro')).runs.map((r) => r.id)).toEqual([ids.email]);
    expect((await runs('?q=EXPLODED')).runs.map((r) => r.id)).toEqual([ids.webinar]);
    // The simulated provider's results say so: a search in the results.
    expect((await runs('?q=simulated')).runs.map((r) => r.id)).toEqual(expect.arrayContaining([ids.report, ids.email]));
    expect((await runs(`?q=${encodeURIComponent('100%')}`)).runs.map((r) => r.id)).toEqual([ids.report]);
    expect((await runs(`?q=${encodeURIComponent('%')}`)).runs.map((r) => r.id)).toEqual([ids.report]);
    // Unescaped, `_` would match the e of TechPro.
    expect((await runs('?q=T_chPro')).total).toBe(0);
    expect((await runs('?q=nothing-like-this')).runs).toEqual([]);
  });

  it('pages: limit and offset, the total of every match on each page', async () => {
    const first = await runs('?limit=2');
    const second = await runs('?limit=2&offset=2');
    expect(first).toMatchObject({ total: 4, limit: 2, offset: 0 });
    expect(second).toMatchObject({ total: 4, limit: 2, offset: 2 });
    expect([...first.runs, ...second.runs].map((r) => r.id)).toEqual([ids.pending, ids.report, ids.webinar, ids.email]);
    expect(await runs('?limit=2&offset=10')).toEqual({ runs: [], total: 4, limit: 2, offset: 10 });
  });

  it("answers 404 for another tenant's network and 400 for bad filters, with the failing parameter", async () => {
    const foreign = await h.call('GET', `/runs?network_id=${ids.otherNet}`);
    expect(foreign.status).toBe(404);
    expect(ErrorBody.parse(foreign.body).error.code).toBe('not_found');
    for (const [query, path] of [
      ['?status=done', 'status'],
      ['?min_cost_usd=2&max_cost_usd=1', 'min_cost_usd'],
      ['?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z', 'from'],
      ['?agent_type=Not%20A%20Type', 'agent_type'],
      ['?limit=0', 'limit'],
      ['?network_id=nope', 'network_id'],
      ['?sort=cost', ''],
    ] as const) {
      const res = await h.call('GET', `/runs${query}`);
      expect(res.status).toBe(400);
      expect(ErrorBody.parse(res.body).error.code).toBe('validation_error');
      if (path) expect(res.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
    }
  });
});
