import { randomUUID } from 'node:crypto';
import { CreateNetworkBody, ErrorBody, StatsReport } from '@mesh/core';
import { KEY_B, startApiHarness, type ApiHarness } from './api-harness';

/**
 * GET /networks/{id}/stats over HTTP: the window (default 7d) picks the rows, a bad window is a
 * 400, another tenant's network a 404. The numbers themselves are checked row by row in
 * packages/store/src/stats-repository.test.ts.
 */

let h: ApiHarness;
let networkId: string;
let theirNetworkId: string;
const HOUR_MS = 3_600_000;

/** A completed content subtask (and its model call, and a rating) that finished `hoursAgo` ago after 2 s. */
async function finished(hoursAgo: number, rating: number): Promise<void> {
  const taskId = randomUUID();
  const subtaskId = randomUUID();
  const at = new Date(Date.now() - hoursAgo * HOUR_MS);
  await h.t.db.query(
    `INSERT INTO tasks (id, tenant_id, network_id, task, context, priority, status, max_iterations, timeout_seconds, approvals, approval_timeout_seconds, created_at, updated_at)
     VALUES ($1, 'tenant-a', $2, 'x', '{}', 5, 'completed', 3, 60, '{}', 60, $3, $3)`,
    [taskId, networkId, at],
  );
  await h.t.db.query(
    `INSERT INTO subtasks (id, tenant_id, network_id, task_id, iteration, key, agent_type, description, status, confidence, model, created_at, started_at, finished_at)
     VALUES ($1, 'tenant-a', $2, $3, 1, 'k', 'content', 'd', 'completed', 0.5, 'openai:gpt-test', $4, $4, $5)`,
    [subtaskId, networkId, taskId, new Date(at.getTime() - 2000), at],
  );
  await h.t.db.query(
    `INSERT INTO llm_calls (tenant_id, network_id, task_id, subtask_id, purpose, provider, model, chain_position, attempt, latency_ms, input_tokens, output_tokens, cost_usd, outcome, created_at)
     VALUES ('tenant-a', $1, $2, $3, 'subtask', 'openai', 'gpt-test', 0, 1, 5, 100, 10, 0.25, 'success', $4)`,
    [networkId, taskId, subtaskId, at],
  );
  await h.t.db.query(
    `INSERT INTO feedback (id, tenant_id, network_id, task_id, subtask_id, agent_type, rating, created_at) VALUES ($1, 'tenant-a', $2, $3, $4, 'content', $5, $6)`,
    [randomUUID(), networkId, taskId, subtaskId, rating, at],
  );
}

beforeAll(async () => {
  h = await startApiHarness('stats');
  networkId = (await h.deps.store.networks.create('tenant-a', CreateNetworkBody.parse({ name: 'Stats' }))).id;
  theirNetworkId = (await h.deps.store.networks.create('tenant-b', CreateNetworkBody.parse({ name: 'Theirs' }))).id;
  await finished(2, 5); // in every window
  await finished(3 * 24, 3); // in 7d and 30d
  await finished(20 * 24, 1); // in 30d only
}, 60_000);

afterAll(async () => {
  await h?.close();
});

async function stats(query: string, key?: string): Promise<StatsReport> {
  const res = await h.call('GET', `/networks/${networkId}/stats${query}`, key ? { key } : {});
  expect(res.status).toBe(200);
  return StatsReport.parse(res.body);
}

describe('GET /networks/:network_id/stats', () => {
  it('reports the last 7 days by default: totals, per agent type and per model', async () => {
    const before = Date.now();
    const report = await stats('');
    expect(report).toMatchObject({ network_id: networkId, window: '7d' });
    expect(Date.parse(report.to)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(report.to) - Date.parse(report.from)).toBe(7 * 24 * HOUR_MS);
    const row = { subtasks: 2, completed: 2, failed: 0, mean_confidence: 0.5, mean_rating: 4, ratings: 2, p50_duration_ms: 2000, p95_duration_ms: 2000, input_tokens: 200, output_tokens: 20, cost_usd: 0.5 };
    expect(report.totals).toEqual({ ...row, tasks: 2 });
    expect(report.agent_types).toEqual([{ agent_type: 'content', ...row }]);
    expect(report.models).toEqual([{ model: 'openai:gpt-test', ...row }]);
  });

  it('takes the window in hours or days, up to 90 days', async () => {
    expect((await stats('?window=24h')).totals).toMatchObject({ tasks: 1, subtasks: 1, mean_rating: 5, cost_usd: 0.25 });
    expect((await stats('?window=30d')).totals).toMatchObject({ tasks: 3, subtasks: 3, mean_rating: 3, cost_usd: 0.75 });
    const longest = await stats('?window=2160h');
    expect(Date.parse(longest.to) - Date.parse(longest.from)).toBe(90 * 24 * HOUR_MS);
    expect(longest.totals.subtasks).toBe(3);
    expect((await stats('?window=1h')).totals).toMatchObject({ tasks: 0, subtasks: 0, ratings: 0, mean_rating: null, cost_usd: 0 });
  });

  it('answers 400 for a window that is not <n>h or <n>d from 1h to 90d', async () => {
    for (const window of ['0h', '0d', '91d', '2161h', '7w', '1.5d', '-1d', 'd', '7', '', '7d7d']) {
      const res = await h.call('GET', `/networks/${networkId}/stats?window=${encodeURIComponent(window)}`);
      expect({ window, status: res.status }).toEqual({ window, status: 400 });
      expect(ErrorBody.parse(res.body).error.code).toBe('validation_error');
    }
    expect((await h.call('GET', `/networks/${networkId}/stats?window=7d&since=yesterday`)).status).toBe(400);
  });

  it("answers 404 for another tenant's network and an unknown one, and shows another tenant only its own", async () => {
    expect((await h.call('GET', `/networks/${theirNetworkId}/stats`)).status).toBe(404);
    expect((await h.call('GET', `/networks/${networkId}/stats`, { key: KEY_B })).status).toBe(404);
    expect((await h.call('GET', `/networks/${randomUUID()}/stats`)).status).toBe(404);
    const res = await h.call('GET', `/networks/${theirNetworkId}/stats`, { key: KEY_B });
    expect(res.status).toBe(200);
    expect(StatsReport.parse(res.body)).toMatchObject({ network_id: theirNetworkId, totals: { tasks: 0, subtasks: 0, cost_usd: 0 }, agent_types: [], models: [] });
  });
});
