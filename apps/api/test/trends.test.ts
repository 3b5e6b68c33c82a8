import { randomUUID } from 'node:crypto';
import { ErrorBody, TrendReport, type CreateNetworkInput } from '@mesh/core';
import { CreateNetworkBody } from '@mesh/core';
import { KEY_B, startApiHarness, type ApiHarness } from './api-harness';

/**
 * GET /trends, over time: per UTC day the tenant's tasks (throughput, outcomes, failure rate,
 * duration, cost) and per agent type their subtasks, from rows written with known times and
 * statuses; another tenant's rows never count.
 */

let h: ApiHarness;
let networkId: string;
let otherNetworkId: string;
const DAY1 = '2026-03-01';
const DAY2 = '2026-03-02';

async function task(tenant: string, network: string, day: string, status: string, startSecond: number, durationMs: number | null, costUsd: number): Promise<string> {
  const id = randomUUID();
  const created = `${day}T10:00:${String(startSecond).padStart(2, '0')}.000Z`;
  const started = new Date(Date.parse(created) + 1000);
  await h.t.db.query(
    `INSERT INTO tasks (id, tenant_id, network_id, task, context, priority, status, max_iterations, timeout_seconds, approvals, approval_timeout_seconds, created_at, updated_at, started_at, completed_at)
     VALUES ($1, $2, $3, 'x', '{}', 5, $4, 3, 60, '{}', 60, $5, $5, $6, $7)`,
    [id, tenant, network, status, created, status === 'pending' ? null : started, durationMs === null ? null : new Date(started.getTime() + durationMs)],
  );
  if (costUsd > 0) {
    await h.deps.store.llmCalls.record([{ tenantId: tenant, networkId: network, taskId: id, purpose: 'plan', provider: 'openai', model: 'm', chainPosition: 0, attempt: 1, latencyMs: 5, inputTokens: 100, outputTokens: 50, costUsd, outcome: 'success' }]);
  }
  return id;
}

async function subtask(taskId: string, network: string, agentType: string, status: string, durationMs: number, costUsd: number): Promise<void> {
  const id = randomUUID();
  await h.t.db.query(
    `INSERT INTO subtasks (id, tenant_id, network_id, task_id, iteration, key, agent_type, description, status, started_at, finished_at)
     SELECT $1, t.tenant_id, $2, $3, 1, $7, $4, 'd', $5, t.started_at, t.started_at + make_interval(secs => $6::double precision / 1000) FROM tasks t WHERE t.id = $3`,
    [id, network, taskId, agentType, status, durationMs, `k-${id.slice(0, 8)}`],
  );
  if (costUsd > 0) {
    await h.deps.store.llmCalls.record([{ tenantId: 'tenant-a', networkId: network, taskId, subtaskId: id, purpose: 'subtask', provider: 'openai', model: 'm', chainPosition: 0, attempt: 1, latencyMs: 5, inputTokens: 10, outputTokens: 10, costUsd, outcome: 'success' }]);
  }
}

beforeAll(async () => {
  h = await startApiHarness('trends');
  const create = (tenant: string, name: string) => h.deps.store.networks.create(tenant, CreateNetworkBody.parse({ name } satisfies CreateNetworkInput));
  networkId = (await create('tenant-a', 'Trends')).id;
  otherNetworkId = (await create('tenant-b', 'Theirs')).id;
  // Day 1: three tasks — completed in 2 s, failed in 4 s, cancelled; day 2: one completed in 10 s, one timed out in 60 s, one pending.
  const a = await task('tenant-a', networkId, DAY1, 'completed', 1, 2000, 0.5);
  await task('tenant-a', networkId, DAY1, 'failed', 2, 4000, 0.25);
  await task('tenant-a', networkId, DAY1, 'cancelled', 3, 1000, 0);
  const d = await task('tenant-a', networkId, DAY2, 'completed', 1, 10_000, 1);
  await task('tenant-a', networkId, DAY2, 'timed_out', 2, 60_000, 0);
  await task('tenant-a', networkId, DAY2, 'pending', 3, null, 0);
  await subtask(a, networkId, 'content', 'completed', 1000, 0.1);
  await subtask(a, networkId, 'design', 'failed', 3000, 0);
  await subtask(d, networkId, 'content', 'completed', 3000, 0.2);
  await subtask(d, networkId, 'content', 'timed_out', 5000, 0);
  // Another tenant's task the same day, costly: it must not count.
  await task('tenant-b', otherNetworkId, DAY1, 'failed', 4, 1000, 100);
}, 60_000);

afterAll(async () => {
  await h?.close();
});

async function trends(query: string, key?: string): Promise<TrendReport> {
  const res = await h.call('GET', `/trends${query}`, key ? { key } : {});
  expect(res.status).toBe(200);
  return TrendReport.parse(res.body);
}

describe('GET /trends', () => {
  it('reports every UTC day of the range: throughput, outcomes, failure rate, duration and cost', async () => {
    const report = await trends(`?from=${DAY1}T00:00:00Z&to=2026-03-04T00:00:00Z`);
    expect(report.days.map((d) => d.day)).toEqual([DAY1, DAY2, '2026-03-03']);
    expect(report.days[0]).toEqual({
      day: DAY1, tasks: 3, completed: 1, failed: 1, timed_out: 0, cancelled: 1,
      // Of the two that ended (completed, failed): one failed. The cancelled one is left out.
      // The task's cost: every call of it, its subtasks' included (0.5 + 0.1 and 0.25).
      failure_rate: 0.5, avg_duration_ms: 3000, p95_duration_ms: 3900, cost_usd: 0.85, tokens: 320,
    });
    expect(report.days[1]).toMatchObject({ tasks: 3, completed: 1, failed: 0, timed_out: 1, cancelled: 0, failure_rate: 0.5, avg_duration_ms: 35_000, cost_usd: 1.2, tokens: 170 });
    expect(report.days[2]).toEqual({ day: '2026-03-03', tasks: 0, completed: 0, failed: 0, timed_out: 0, cancelled: 0, failure_rate: null, avg_duration_ms: null, p95_duration_ms: null, cost_usd: 0, tokens: 0 });
  });

  it('reports the subtasks per agent type', async () => {
    const report = await trends(`?from=${DAY1}T00:00:00Z&to=2026-03-03T00:00:00Z`);
    expect(report.agent_types).toEqual([
      { agent_type: 'content', subtasks: 3, completed: 2, failed: 0, timed_out: 1, cancelled: 0, failure_rate: 1 / 3, avg_duration_ms: 3000, p95_duration_ms: 4800, cost_usd: 0.3, tokens: 40 },
      { agent_type: 'design', subtasks: 1, completed: 0, failed: 1, timed_out: 0, cancelled: 0, failure_rate: 1, avg_duration_ms: 3000, p95_duration_ms: 3000, cost_usd: 0, tokens: 0 },
    ]);
  });

  it('narrows to one network and one range; another tenant sees only its own', async () => {
    expect((await trends(`?from=${DAY2}T00:00:00Z&to=2026-03-03T00:00:00Z&network_id=${networkId}`)).days).toEqual([expect.objectContaining({ day: DAY2, tasks: 3 })]);
    const theirs = await trends(`?from=${DAY1}T00:00:00Z&to=${DAY2}T00:00:00Z`, KEY_B);
    expect(theirs.days).toEqual([expect.objectContaining({ day: DAY1, tasks: 1, failed: 1, cost_usd: 100 })]);
    expect(theirs.agent_types).toEqual([]);
    // By default: the last 14 UTC days with today (none of the rows above).
    const recent = await trends('');
    expect(recent.days).toHaveLength(14);
    expect(recent.days.at(-1)!.day).toBe(new Date().toISOString().slice(0, 10));
    expect(recent.days.every((d) => d.tasks === 0)).toBe(true);
  });

  it("answers 404 for another tenant's network and 400 for a bad range", async () => {
    const foreign = await h.call('GET', `/trends?network_id=${otherNetworkId}`);
    expect(foreign.status).toBe(404);
    for (const query of ['?from=2026-03-05T00:00:00Z&to=2026-03-01T00:00:00Z', '?from=2024-01-01T00:00:00Z&to=2026-01-01T00:00:00Z', '?from=yesterday', '?group_by=week']) {
      const res = await h.call('GET', `/trends${query}`);
      expect(res.status).toBe(400);
      expect(ErrorBody.parse(res.body).error.code).toBe('validation_error');
    }
    // Only `to`, far from now: the default `from` is 14 days before it.
    expect((await trends('?to=2026-03-03T00:00:00Z')).days.map((d) => d.day).slice(-2)).toEqual([DAY1, DAY2]);
  });
});
