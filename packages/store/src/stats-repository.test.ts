import { randomUUID } from 'node:crypto';
import { CreateNetworkBody } from '@mesh/core';
import { createTestEnv, type TestEnv } from '@mesh/testing';

/**
 * A network's stats over a window and its specialists' track records, from rows written with
 * known times, durations, confidences, usage and ratings: rows just outside the window, another
 * network's and another tenant's must not count.
 */

let t: TestEnv;
let networkId: string;
let otherNetworkId: string;
let theirNetworkId: string;
const FROM = new Date('2026-03-01T00:00:00.000Z');
const TO = new Date('2026-03-08T00:00:00.000Z');
const subtaskIds: Record<string, string> = {};

async function task(tenant: string, network: string, createdAt: string): Promise<string> {
  const id = randomUUID();
  await t.db.query(
    `INSERT INTO tasks (id, tenant_id, network_id, task, context, priority, status, max_iterations, timeout_seconds, approvals, approval_timeout_seconds, created_at, updated_at)
     VALUES ($1, $2, $3, 'x', '{}', 5, 'completed', 3, 60, '{}', 60, $4, $4)`,
    [id, tenant, network, createdAt],
  );
  return id;
}

/** A subtask that ended at `finishedAt` after `durationMs`; not started when `durationMs` is null (then created at `finishedAt` instead). */
async function subtask(
  name: string,
  taskId: string,
  s: { agentType: string; model: string | null; status: string; confidence?: number; finishedAt: string; durationMs: number | null },
): Promise<void> {
  const id = randomUUID();
  subtaskIds[name] = id;
  const end = new Date(s.finishedAt);
  const started = s.durationMs === null ? null : new Date(end.getTime() - s.durationMs);
  await t.db.query(
    `INSERT INTO subtasks (id, tenant_id, network_id, task_id, iteration, key, agent_type, description, status, confidence, model, created_at, started_at, finished_at)
     SELECT $1, tk.tenant_id, tk.network_id, tk.id, 1, $2, $3, 'd', $4, $5, $6, $7, $8, $9 FROM tasks tk WHERE tk.id = $10`,
    [id, name, s.agentType, s.status, s.confidence ?? null, s.model, started ?? end, started, s.durationMs === null ? null : end, taskId],
  );
}

async function call(tenant: string, network: string, taskId: string, subtask: string | null, model: string, inputTokens: number, outputTokens: number, costUsd: number, createdAt: string): Promise<void> {
  await t.db.query(
    `INSERT INTO llm_calls (tenant_id, network_id, task_id, subtask_id, purpose, provider, model, chain_position, attempt, latency_ms, input_tokens, output_tokens, cost_usd, outcome, created_at)
     VALUES ($1, $2, $3, $4, 'x', $5, $6, 0, 1, 5, $7, $8, $9, 'success', $10)`,
    // A subtask names its model `provider:model`, as the runner stores it; a call has the two apart.
    [tenant, network, taskId, subtask ? subtaskIds[subtask] : null, model.slice(0, model.indexOf(':')), model.slice(model.indexOf(':') + 1), inputTokens, outputTokens, costUsd, createdAt],
  );
}

async function rating(tenant: string, network: string, taskId: string, subtask: string | null, agentType: string, value: number, createdAt: string): Promise<void> {
  await t.db.query(
    `INSERT INTO feedback (id, tenant_id, network_id, task_id, subtask_id, agent_type, rating, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [randomUUID(), tenant, network, taskId, subtask ? subtaskIds[subtask] : null, agentType, value, createdAt],
  );
}

beforeAll(async () => {
  t = await createTestEnv('stats');
  const create = async (tenant: string, name: string) => (await t.store.networks.create(tenant, CreateNetworkBody.parse({ name }))).id;
  networkId = await create('tenant-a', 'Stats');
  otherNetworkId = await create('tenant-a', 'Another of ours');
  theirNetworkId = await create('tenant-b', 'Theirs');

  // Tasks created in the window: t1 and t4; t0 before it (its subtask s9 still finishes in it), t5 at its end.
  const t0 = await task('tenant-a', networkId, '2026-02-20T10:00:00Z');
  const t1 = await task('tenant-a', networkId, '2026-03-02T09:00:00Z');
  const t4 = await task('tenant-a', networkId, '2026-03-05T09:00:00Z');
  await task('tenant-a', networkId, '2026-03-08T00:00:00Z');

  await subtask('s1', t1, { agentType: 'content', model: 'openai:m-a', status: 'completed', confidence: 0.8, finishedAt: '2026-03-02T10:00:01Z', durationMs: 1000 });
  await subtask('s2', t1, { agentType: 'content', model: 'openai:m-a', status: 'completed', confidence: 0.6, finishedAt: '2026-03-02T10:00:05Z', durationMs: 3000 });
  await subtask('s3', t1, { agentType: 'content', model: 'openai:m-b', status: 'failed', finishedAt: '2026-03-03T10:00:00Z', durationMs: 5000 });
  await subtask('s4', t0, { agentType: 'content', model: 'openai:m-b', status: 'completed', confidence: 0.9, finishedAt: '2026-02-27T10:00:00Z', durationMs: 2000 }); // before
  await subtask('s5', t1, { agentType: 'design', model: 'openai:m-a', status: 'completed', confidence: 0.4, finishedAt: '2026-03-04T10:00:00Z', durationMs: 10_000 });
  await subtask('s6', t4, { agentType: 'design', model: null, status: 'pending', finishedAt: '2026-03-05T09:00:01Z', durationMs: null }); // created in the window
  await subtask('s7', t4, { agentType: 'design', model: 'openai:m-b', status: 'timed_out', finishedAt: '2026-03-06T10:00:00Z', durationMs: 7000 });
  await subtask('s8', t4, { agentType: 'content', model: 'openai:m-a', status: 'completed', confidence: 0.7, finishedAt: '2026-03-08T00:00:00Z', durationMs: 6000 }); // at the end: out
  await subtask('s9', t0, { agentType: 'analytics', model: 'openai:m-c', status: 'completed', confidence: 1, finishedAt: '2026-03-01T00:00:00Z', durationMs: 4000 }); // at the start: in

  await call('tenant-a', networkId, t1, 's1', 'openai:m-a', 100, 50, 0.01, '2026-03-02T10:00:00Z');
  await call('tenant-a', networkId, t1, 's1', 'openai:m-b', 10, 5, 0.002, '2026-03-02T10:00:00Z');
  await call('tenant-a', networkId, t1, 's5', 'openai:m-a', 200, 100, 0.05, '2026-03-04T10:00:00Z');
  await call('tenant-a', networkId, t1, null, 'openai:m-c', 1000, 300, 0.1, '2026-03-02T09:00:00Z'); // the coordinator's
  await call('tenant-a', networkId, t0, 's9', 'openai:m-c', 40, 20, 0.004, '2026-03-01T00:00:00Z');
  await call('tenant-a', networkId, t0, null, 'openai:m-c', 9999, 9999, 9, '2026-02-25T00:00:00Z'); // before
  await call('tenant-a', networkId, t4, 's8', 'openai:m-a', 9999, 9999, 9, '2026-03-08T00:00:00Z'); // at the end

  await rating('tenant-a', networkId, t1, 's1', 'content', 4, '2026-03-03T00:00:00Z');
  await rating('tenant-a', networkId, t1, 's2', 'content', 5, '2026-03-03T00:00:00Z');
  await rating('tenant-a', networkId, t1, 's3', 'content', 3, '2026-03-04T00:00:00Z');
  await rating('tenant-a', networkId, t1, null, 'coordinator', 3, '2026-03-05T00:00:00Z');
  await rating('tenant-a', networkId, t4, 's5', 'design', 3, '2026-03-06T00:00:00Z');
  await rating('tenant-a', networkId, t0, 's4', 'content', 1, '2026-02-28T00:00:00Z'); // before

  // Another network of ours and another tenant's network, busy in the same window.
  for (const [tenant, network] of [['tenant-a', otherNetworkId], ['tenant-b', theirNetworkId]] as const) {
    const other = await task(tenant, network, '2026-03-03T09:00:00Z');
    await subtask(`x-${network}`, other, { agentType: 'content', model: 'openai:m-a', status: 'failed', finishedAt: '2026-03-03T10:00:00Z', durationMs: 99_000 });
    await call(tenant, network, other, `x-${network}`, 'openai:m-a', 5000, 5000, 5, '2026-03-03T10:00:00Z');
    await call(tenant, network, other, null, 'm-z', 5000, 5000, 5, '2026-03-03T10:00:00Z');
    await rating(tenant, network, other, `x-${network}`, 'content', 1, '2026-03-04T00:00:00Z');
  }
}, 60_000);

afterAll(async () => {
  await t?.cleanup();
});

const none = { mean_confidence: null, mean_rating: null, ratings: 0, p50_duration_ms: null, p95_duration_ms: null };

describe('StatsRepository.network', () => {
  it('counts per agent type: outcomes, confidence of the completed, durations, usage (the coordinator: calls of no subtask) and ratings', async () => {
    const stats = await t.store.stats.network('tenant-a', networkId, { from: FROM, to: TO });
    expect(stats.agent_types).toEqual([
      { agent_type: 'analytics', subtasks: 1, completed: 1, failed: 0, mean_confidence: 1, mean_rating: null, ratings: 0, p50_duration_ms: 4000, p95_duration_ms: 4000, input_tokens: 40, output_tokens: 20, cost_usd: 0.004 },
      // 1000, 3000 and 5000 ms: p95 = 3000 + 0.9 × 2000.
      { agent_type: 'content', subtasks: 3, completed: 2, failed: 1, mean_confidence: 0.7, mean_rating: 4, ratings: 3, p50_duration_ms: 3000, p95_duration_ms: 4800, input_tokens: 110, output_tokens: 55, cost_usd: 0.012 },
      { agent_type: 'coordinator', subtasks: 0, completed: 0, failed: 0, ...none, mean_rating: 3, ratings: 1, input_tokens: 1000, output_tokens: 300, cost_usd: 0.1 },
      // The pending one and the timed-out one count as subtasks, but in neither outcome nor durations.
      { agent_type: 'design', subtasks: 3, completed: 1, failed: 0, mean_confidence: 0.4, mean_rating: 3, ratings: 1, p50_duration_ms: 10_000, p95_duration_ms: 10_000, input_tokens: 200, output_tokens: 100, cost_usd: 0.05 },
    ]);
  });

  it('counts per model: the subtasks it answered, the calls it made and the ratings of its subtasks', async () => {
    const stats = await t.store.stats.network('tenant-a', networkId, { from: FROM, to: TO });
    expect(stats.models).toEqual([
      // s1, s2, s5: 1000, 3000, 10000 ms; rated 4, 5, 3.
      { model: 'openai:m-a', subtasks: 3, completed: 3, failed: 0, mean_confidence: 0.6, mean_rating: 4, ratings: 3, p50_duration_ms: 3000, p95_duration_ms: 9300, input_tokens: 300, output_tokens: 150, cost_usd: 0.06 },
      // s1's fallback call is m-b's usage; s3 (failed) and s7 (timed out) are its subtasks.
      { model: 'openai:m-b', subtasks: 2, completed: 0, failed: 1, mean_confidence: null, mean_rating: 3, ratings: 1, p50_duration_ms: 5000, p95_duration_ms: 5000, input_tokens: 10, output_tokens: 5, cost_usd: 0.002 },
      { model: 'openai:m-c', subtasks: 1, completed: 1, failed: 0, mean_confidence: 1, mean_rating: null, ratings: 0, p50_duration_ms: 4000, p95_duration_ms: 4000, input_tokens: 1040, output_tokens: 320, cost_usd: 0.104 },
    ]);
  });

  it("totals the network: every subtask, call and rating of the window, and the tasks created in it", async () => {
    const stats = await t.store.stats.network('tenant-a', networkId, { from: FROM, to: TO });
    // Durations 1000, 3000, 4000, 5000, 10000: p95 = 5000 + 0.8 × 5000. Ratings 4, 5, 3, 3, 3.
    expect(stats.totals).toEqual({
      tasks: 2, subtasks: 7, completed: 4, failed: 1, mean_confidence: 0.7, mean_rating: 3.6, ratings: 5,
      p50_duration_ms: 4000, p95_duration_ms: 9000, input_tokens: 1350, output_tokens: 475, cost_usd: 0.166,
    });
  });

  it("shows another tenant nothing of the network, and an empty window zeros", async () => {
    const foreign = await t.store.stats.network('tenant-b', networkId, { from: FROM, to: TO });
    expect(foreign).toEqual({ totals: { tasks: 0, subtasks: 0, completed: 0, failed: 0, ...none, input_tokens: 0, output_tokens: 0, cost_usd: 0 }, agent_types: [], models: [] });
    const theirs = await t.store.stats.network('tenant-b', theirNetworkId, { from: FROM, to: TO });
    expect(theirs.totals).toMatchObject({ tasks: 1, subtasks: 1, failed: 1, ratings: 1, cost_usd: 10 });
    const empty = await t.store.stats.network('tenant-a', networkId, { from: new Date('2025-01-01T00:00:00Z'), to: new Date('2025-01-08T00:00:00Z') });
    expect(empty).toEqual(foreign);
  });
});

describe('StatsRepository.trackRecords', () => {
  it('gives each agent type that ran subtasks since then its success rate, median duration and mean rating', async () => {
    const records = await t.store.stats.trackRecords('tenant-a', networkId, FROM);
    expect(Object.fromEntries(records)).toEqual({
      // s1, s2, s3 and s8 (no end to this range): 1000, 3000, 5000, 6000 ms.
      content: { subtasks: 4, success_rate: 0.75, mean_rating: 4, typical_duration_ms: 4000 },
      // The timed-out s7 and pending s6 are not in its record.
      design: { subtasks: 1, success_rate: 1, mean_rating: 3, typical_duration_ms: 10_000 },
      analytics: { subtasks: 1, success_rate: 1, mean_rating: null, typical_duration_ms: 4000 },
    });
    expect(Object.fromEntries(await t.store.stats.trackRecords('tenant-b', networkId, FROM))).toEqual({});
    expect(Object.fromEntries(await t.store.stats.trackRecords('tenant-a', otherNetworkId, FROM))).toEqual({
      content: { subtasks: 1, success_rate: 0, mean_rating: 1, typical_duration_ms: 99_000 },
    });
  });
});

describe('track records of a busy network', () => {
  const TYPES = ['analytics', 'content', 'design', 'personalization', 'seo'];
  const N = 10_000;
  const statusOf = (i: number) => (i % 10 === 0 ? 'failed' : i % 17 === 0 ? 'timed_out' : 'completed');

  /** percentile_cont(0.5): the middle value, or the mean of the two middle ones. */
  function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = (sorted.length - 1) / 2;
    return (sorted[Math.floor(mid)]! + sorted[Math.ceil(mid)]!) / 2;
  }

  it('reads 10,000 subtasks of 60 days (and 1,000 ratings) in one query, exactly', async () => {
    const busy = (await t.store.networks.create('tenant-a', CreateNetworkBody.parse({ name: 'Busy' }))).id;
    const taskId = await task('tenant-a', busy, '2026-01-01T00:00:00Z');
    // Subtask i ended (i mod 60) days and an hour ago, after (1 + i mod 7) seconds.
    await t.db.query(
      `INSERT INTO subtasks (id, tenant_id, network_id, task_id, iteration, key, agent_type, description, status, confidence, model, created_at, started_at, finished_at)
       SELECT gen_random_uuid(), 'tenant-a', $1, $2, 1, 'k' || i, ($3::text[])[1 + i % 5], 'd',
              CASE WHEN i % 10 = 0 THEN 'failed' WHEN i % 17 = 0 THEN 'timed_out' ELSE 'completed' END, 0.8, 'openai:m-a',
              e - make_interval(secs => 1 + i % 7), e - make_interval(secs => 1 + i % 7), e
       FROM generate_series(1, $4::int) i, LATERAL (SELECT now() - make_interval(days => i % 60, hours => 1) AS e) ended`,
      [busy, taskId, TYPES, N],
    );
    await t.db.query(
      `INSERT INTO feedback (id, tenant_id, network_id, task_id, agent_type, rating, created_at)
       SELECT gen_random_uuid(), 'tenant-a', $1, $2, ($3::text[])[1 + i % 5], 1 + i % 4, now() - make_interval(days => i % 60, hours => 1)
       FROM generate_series(1, 1000) i`,
      [busy, taskId, TYPES],
    );
    await t.db.query('ANALYZE subtasks; ANALYZE feedback');

    const expected = new Map<string, { subtasks: number; completed: number; durations: number[]; ratings: number[] }>(TYPES.map((type) => [type, { subtasks: 0, completed: 0, durations: [], ratings: [] }]));
    for (let i = 1; i <= N; i++) {
      const status = statusOf(i);
      if (i % 60 >= 30 || status === 'timed_out') continue;
      const e = expected.get(TYPES[i % 5]!)!;
      e.subtasks += 1;
      if (status === 'completed') e.completed += 1;
      e.durations.push((1 + (i % 7)) * 1000);
    }
    for (let i = 1; i <= 1000; i++) if (i % 60 < 30) expected.get(TYPES[i % 5]!)!.ratings.push(1 + (i % 4));

    const since = () => new Date(Date.now() - 30 * 86_400_000);
    const timesMs: number[] = [];
    let records = new Map();
    for (let run = 0; run < 5; run++) {
      const started = performance.now();
      records = await t.store.stats.trackRecords('tenant-a', busy, since());
      timesMs.push(performance.now() - started);
    }
    expect(Object.fromEntries(records)).toEqual(
      Object.fromEntries(
        [...expected].map(([type, e]) => [
          type,
          {
            subtasks: e.subtasks,
            success_rate: Math.round((e.completed / e.subtasks) * 1e4) / 1e4,
            mean_rating: Math.round((e.ratings.reduce((a, b) => a + b, 0) / e.ratings.length) * 100) / 100,
            typical_duration_ms: median(e.durations),
          },
        ]),
      ),
    );
    // It runs on the coordinator's way to every plan: a generous bound that a scan of every network's rows would not keep on a big table.
    expect(median(timesMs)).toBeLessThan(250);
    process.stdout.write(`track records of 10,000 subtasks: ${timesMs.map((ms) => ms.toFixed(1)).join(', ')} ms\n`);
  }, 60_000);
});
