import { randomUUID } from 'node:crypto';
import { CreateNetworkBody, SubmitTaskBody, type Network, type PlannedSubtask } from '@mesh/core';
import { createTestEnv, type TestEnv } from '@mesh/testing';
import type { LlmCallRow } from './llm-call-repository';
import type { MemoryRow, SubtaskRow, TaskRow } from './mappers';
import type { SubtaskCompletion, SubtaskWork } from './subtask-repository';

let t: TestEnv;
beforeAll(async () => {
  t = await createTestEnv('statement_batching');
});
afterAll(async () => {
  await t.cleanup();
});
afterEach(() => {
  jest.restoreAllMocks();
});

/** A tenant nobody else in this file uses. */
const newTenant = (label: string) => `tenant-${label}-${randomUUID().slice(0, 8)}`;

async function createNetwork(tenantId: string, sharedContext: Record<string, unknown> = {}): Promise<Network> {
  return t.store.networks.create(tenantId, CreateNetworkBody.parse({ name: `batching ${tenantId}`, shared_context: sharedContext }));
}

/** A queued task with its first iteration's plan stored; the subtasks by key. */
async function createPlannedTask(
  tenantId: string,
  network: Network,
  plan: PlannedSubtask[],
  text = 'Write a launch email',
): Promise<{ task: TaskRow; subtasks: Record<string, SubtaskRow> }> {
  const created = await t.store.tasks.create(tenantId, network.id, SubmitTaskBody.parse({ task: text }));
  const task = await t.store.tasks.markQueued(tenantId, created!.id);
  const withAgents = plan.map((s) => ({ ...s, agent_id: network.agents!.find((a) => a.type === s.agent_type)?.id ?? null }));
  const rows = await t.store.subtasks.insertPlan(task!, 1, withAgents);
  expect(rows).toHaveLength(plan.length);
  return { task: task!, subtasks: Object.fromEntries(rows.map((r) => [r.key, r])) };
}

async function subtaskRow(id: string): Promise<SubtaskRow> {
  const { rows } = await t.db.query<SubtaskRow>('SELECT * FROM subtasks WHERE id = $1', [id]);
  return rows[0]!;
}

async function memoryRows(networkId: string): Promise<MemoryRow[]> {
  const { rows } = await t.db.query<MemoryRow>('SELECT * FROM memory_items WHERE network_id = $1 ORDER BY created_at, id', [networkId]);
  return rows;
}

/** memory_items.importance's column default (1 in migrations/001_init.sql): what a newly inserted item starts at. */
async function defaultImportance(): Promise<number> {
  const { rows } = await t.db.query<{ column_default: string }>(
    `SELECT column_default FROM information_schema.columns
     WHERE table_schema = current_schema() AND table_name = 'memory_items' AND column_name = 'importance'`,
  );
  const value = Number(rows[0]?.column_default);
  expect(Number.isFinite(value)).toBe(true);
  return value;
}

/** The statements sent to Postgres whose text contains `marker`. */
function statementsMatching(spy: jest.SpyInstance, marker: string): unknown[][] {
  return spy.mock.calls.filter(([text]) => typeof text === 'string' && text.includes(marker)).map(([, values]) => values as unknown[]);
}

const normalise = (s: string) => s.trim().replace(/\s+/g, ' ').toLowerCase();

describe('batched claims', () => {
  it('claims different subtasks of several tasks in one statement, each with its own work; wrong tenant or task gets null', async () => {
    const tenant = newTenant('claims');
    const network = await createNetwork(tenant, { brand: 'Acme' });
    const one = await createPlannedTask(tenant, network, [
      { key: 'a', agent_type: 'content', description: 'Draft copy', depends_on: [] },
      { key: 'b', agent_type: 'design', description: 'Design layout', depends_on: [] },
      { key: 'c', agent_type: 'analytics', description: 'Pick metrics', depends_on: [] },
      { key: 'd', agent_type: 'personalization', description: 'Personalise the copy', depends_on: ['a'] },
      { key: 'e', agent_type: 'content', description: 'Alt copy', depends_on: [] },
      { key: 'f', agent_type: 'design', description: 'Alt layout', depends_on: [] },
    ]);
    const two = await createPlannedTask(tenant, network, [{ key: 'z', agent_type: 'analytics', description: 'Other task work', depends_on: [] }], 'Another task');

    // 'a' runs first, so that 'd' has a finished dependency to load.
    const aWork = await t.store.subtasks.claim(tenant, one.task.id, one.subtasks.a!.id, 'w0');
    expect(aWork).not.toBeNull();
    expect(await t.store.subtasks.complete(aWork!, { result: 'Copy for A', reasoning: 'r', confidence: 0.9, model: 'm', memories: [] })).not.toBeNull();

    const claimMany = jest.spyOn(t.store.subtasks, 'claimMany');
    const [b, c, d, wrongTenant, wrongTask, z] = await Promise.all([
      t.store.subtasks.claim(tenant, one.task.id, one.subtasks.b!.id, 'w-b'),
      t.store.subtasks.claim(tenant, one.task.id, one.subtasks.c!.id, 'w-c'),
      t.store.subtasks.claim(tenant, one.task.id, one.subtasks.d!.id, 'w-d'),
      t.store.subtasks.claim(newTenant('intruder'), one.task.id, one.subtasks.e!.id, 'w-e'),
      t.store.subtasks.claim(tenant, two.task.id, one.subtasks.f!.id, 'w-f'),
      t.store.subtasks.claim(tenant, two.task.id, two.subtasks.z!.id, 'w-z'),
    ]);
    // One statement served all six, without the one-by-one fallback.
    expect(claimMany).toHaveBeenCalledTimes(1);
    expect(claimMany.mock.calls[0]![0]).toHaveLength(6);

    const expectWork = (work: SubtaskWork | null, subtask: SubtaskRow, task: TaskRow, workerId: string) => {
      expect(work).not.toBeNull();
      expect(work!.subtask).toMatchObject({ id: subtask.id, key: subtask.key, task_id: task.id, status: 'in_progress', attempts: 1, worker_id: workerId });
      expect(work!.subtask.started_at).toBeInstanceOf(Date);
      expect(work!.task).toMatchObject({ id: task.id, tenant_id: tenant, network_id: network.id, task: task.task, status: 'queued' });
      expect(work!.sharedContext).toEqual({ brand: 'Acme' });
      expect(work!.agent).toMatchObject({ type: subtask.agent_type, network_id: network.id });
    };
    expectWork(b, one.subtasks.b!, one.task, 'w-b');
    expectWork(c, one.subtasks.c!, one.task, 'w-c');
    expectWork(d, one.subtasks.d!, one.task, 'w-d');
    expectWork(z, two.subtasks.z!, two.task, 'w-z');
    expect(b!.dependencies).toEqual([]);
    expect(z!.dependencies).toEqual([]);
    expect(d!.dependencies).toEqual([{ key: 'a', agent_type: 'content', status: 'completed', result: 'Copy for A', error: null }]);

    expect(wrongTenant).toBeNull();
    expect(wrongTask).toBeNull();
    for (const untouched of [one.subtasks.e!, one.subtasks.f!]) {
      expect(await subtaskRow(untouched.id)).toMatchObject({ status: 'queued', attempts: 0, worker_id: null, started_at: null });
    }
    expect(await subtaskRow(one.subtasks.b!.id)).toMatchObject({ status: 'in_progress', attempts: 1, worker_id: 'w-b' });
  });

  it('claims a subtask requested twice in one batch exactly once', async () => {
    const tenant = newTenant('dup');
    const network = await createNetwork(tenant);
    const { task, subtasks } = await createPlannedTask(tenant, network, [{ key: 'g', agent_type: 'content', description: 'Only once', depends_on: [] }]);

    const claimMany = jest.spyOn(t.store.subtasks, 'claimMany');
    const results = await Promise.all([
      t.store.subtasks.claim(tenant, task.id, subtasks.g!.id, 'w-first'),
      t.store.subtasks.claim(tenant, task.id, subtasks.g!.id, 'w-second'),
    ]);
    // Both in one statement: claimed one after the other, both would succeed (an in-progress subtask can be re-claimed).
    expect(claimMany).toHaveBeenCalledTimes(1);
    expect(results.filter((r) => r !== null)).toHaveLength(1);
    const winner = results.find((r) => r !== null)!;
    expect(winner.subtask).toMatchObject({ id: subtasks.g!.id, attempts: 1 });
    const row = await subtaskRow(subtasks.g!.id);
    expect(row).toMatchObject({ status: 'in_progress', attempts: 1 });
    expect(row.worker_id).toBe(winner.subtask.worker_id);
  });

  it('lets a valid claim win when a request naming another tenant for the same subtask comes first in the batch', async () => {
    const tenant = newTenant('shadow');
    const network = await createNetwork(tenant);
    const { task, subtasks } = await createPlannedTask(tenant, network, [{ key: 'k', agent_type: 'content', description: 'K', depends_on: [] }]);
    const [foreign, own] = await Promise.all([
      t.store.subtasks.claim('tenant-someone-else', task.id, subtasks.k!.id, 'w-foreign'),
      t.store.subtasks.claim(tenant, task.id, subtasks.k!.id, 'w-own'),
    ]);
    expect(foreign).toBeNull();
    expect(own).toMatchObject({ subtask: { id: subtasks.k!.id, worker_id: 'w-own', attempts: 1 } });
  });

  it('fails only the caller whose request breaks the batch statement', async () => {
    const tenant = newTenant('bad-id');
    const network = await createNetwork(tenant);
    const { task, subtasks } = await createPlannedTask(tenant, network, [
      { key: 'h', agent_type: 'content', description: 'Fine', depends_on: [] },
      { key: 'i', agent_type: 'design', description: 'Also fine', depends_on: [] },
      { key: 'j', agent_type: 'analytics', description: 'Asked for with a malformed task id', depends_on: [] },
    ]);
    const claimMany = jest.spyOn(t.store.subtasks, 'claimMany');
    const outcomes = await Promise.allSettled([
      t.store.subtasks.claim(tenant, task.id, subtasks.h!.id, 'w-h'),
      t.store.subtasks.claim(tenant, 'not-a-uuid', subtasks.j!.id, 'w-bad'),
      t.store.subtasks.claim(tenant, task.id, subtasks.i!.id, 'w-i'),
    ]);
    expect(outcomes[0]).toMatchObject({ status: 'fulfilled', value: { subtask: { id: subtasks.h!.id, worker_id: 'w-h', attempts: 1 } } });
    expect(outcomes[1]).toMatchObject({ status: 'rejected', reason: expect.objectContaining({ code: '22P02' }) });
    expect(outcomes[2]).toMatchObject({ status: 'fulfilled', value: { subtask: { id: subtasks.i!.id, worker_id: 'w-i', attempts: 1 } } });
    expect(await subtaskRow(subtasks.j!.id)).toMatchObject({ status: 'queued', attempts: 0 });
    // The three went together, the statement failed as a whole, then each ran alone.
    expect(claimMany.mock.calls.map(([requests]) => requests.map((r) => r.workerId))).toEqual([['w-h', 'w-bad', 'w-i'], ['w-h'], ['w-bad'], ['w-i']]);
  });
});

describe('batched completions', () => {
  it('stores a memory suggested twice in one batch once and reinforces it once; a subtask no longer in progress writes nothing', async () => {
    const tenant = newTenant('complete');
    const network = await createNetwork(tenant);
    const { task, subtasks } = await createPlannedTask(tenant, network, [
      { key: 'p', agent_type: 'content', description: 'P', depends_on: [] },
      { key: 'q', agent_type: 'design', description: 'Q', depends_on: [] },
      { key: 'r', agent_type: 'analytics', description: 'R', depends_on: [] },
      { key: 's', agent_type: 'personalization', description: 'S', depends_on: [] },
    ]);
    const works = await Promise.all(['p', 'q', 'r', 's'].map((k) => t.store.subtasks.claim(tenant, task.id, subtasks[k]!.id, `w-${k}`)));
    expect(works.every((w) => w !== null)).toBe(true);
    const [p, q, r, s] = works as [SubtaskWork, SubtaskWork, SubtaskWork, SubtaskWork];
    // 's' ends before its completion arrives (e.g. stopped): its completion must write nothing.
    expect(await t.store.subtasks.fail(s.subtask.id, 'stopped')).not.toBeNull();

    const shared = 'Readers open emails on Tuesday mornings';
    const completion = (key: string, memories: SubtaskCompletion['memories']): SubtaskCompletion => ({
      result: `result ${key}`,
      reasoning: `reasoning ${key}`,
      confidence: 0.75,
      model: `model-${key}`,
      memories,
    });
    const completeMany = jest.spyOn(t.store.subtasks, 'completeMany');
    const [pDone, qDone, rDone, sDone] = await Promise.all([
      t.store.subtasks.complete(p, completion('p', [{ type: 'fact', content: shared, confidence: 0.6 }])),
      t.store.subtasks.complete(q, completion('q', [{ type: 'fact', content: '  readers OPEN emails   on tuesday\tMORNINGS ', confidence: 0.9 }])),
      t.store.subtasks.complete(r, completion('r', [{ type: 'decision', content: 'Use a green call-to-action button', confidence: 0.7 }])),
      t.store.subtasks.complete(
        s,
        completion('s', [
          { type: 'fact', content: shared, confidence: 1 },
          { type: 'fact', content: 'A memory from a subtask that had already ended', confidence: 1 },
        ]),
      ),
    ]);
    expect(completeMany).toHaveBeenCalledTimes(1);
    expect(completeMany.mock.calls[0]![0]).toHaveLength(4);

    for (const [done, work, key] of [
      [pDone, p, 'p'],
      [qDone, q, 'q'],
      [rDone, r, 'r'],
    ] as const) {
      expect(done).toMatchObject({ id: work.subtask.id, status: 'completed', result: `result ${key}`, reasoning: `reasoning ${key}`, model: `model-${key}` });
      expect(done!.confidence).toBeCloseTo(0.75, 5);
      expect(done!.finished_at).toBeInstanceOf(Date);
    }
    expect(sDone).toBeNull();
    expect(await subtaskRow(s.subtask.id)).toMatchObject({ status: 'failed', result: null, error: 'stopped' });

    const base = await defaultImportance();
    const items = await memoryRows(network.id);
    expect(items).toHaveLength(2);
    const sharedItem = items.find((m) => normalise(m.content) === normalise(shared));
    const otherItem = items.find((m) => m.content === 'Use a green call-to-action button');
    expect(sharedItem).toBeDefined();
    expect(otherItem).toBeDefined();
    // Inserted by one completion, reinforced by the other (never by 's', which did not complete).
    expect(sharedItem!.importance).toBe(base + 1);
    expect(sharedItem!.confidence).toBeCloseTo(0.9, 5);
    expect(sharedItem).toMatchObject({ tenant_id: tenant, memory_type: 'fact', source_kind: 'agent', source_task_id: task.id });
    expect([p.subtask.id, q.subtask.id]).toContain(sharedItem!.source_subtask_id);
    expect(otherItem!.importance).toBe(base);
    expect(otherItem).toMatchObject({
      tenant_id: tenant,
      memory_type: 'decision',
      source_kind: 'agent',
      source_task_id: task.id,
      source_subtask_id: r.subtask.id,
      source_agent_id: r.agent!.id,
    });
    expect(otherItem!.confidence).toBeCloseTo(0.7, 5);
  });

  it('stores two memories of one completion that differ only in case and spacing as one item', async () => {
    const tenant = newTenant('same-item');
    const network = await createNetwork(tenant);
    const { task, subtasks } = await createPlannedTask(tenant, network, [{ key: 'u', agent_type: 'content', description: 'U', depends_on: [] }]);
    const work = (await t.store.subtasks.claim(tenant, task.id, subtasks.u!.id, 'w-u'))!;
    const done = await t.store.subtasks.complete(work, {
      result: 'done',
      reasoning: 'r',
      confidence: 0.5,
      model: 'm',
      memories: [
        { type: 'fact', content: 'Foo bar', confidence: 1 },
        { type: 'fact', content: 'foo  BAR', confidence: 1 },
        // Differs by one letter: a whitespace rule that also ate other characters would merge these.
        { type: 'fact', content: 'Lesson', confidence: 1 },
        { type: 'fact', content: 'Leson', confidence: 1 },
      ],
    });
    expect(done).toMatchObject({ status: 'completed' });
    const contents = (await memoryRows(network.id)).map((m) => normalise(m.content)).sort();
    expect(contents).toEqual(['foo bar', 'leson', 'lesson']);
  });

  it('fails the rest of a batch of completions at once, without retries, when Postgres goes away mid-batch', async () => {
    const tenant = newTenant('down');
    const network = await createNetwork(tenant);
    const { task, subtasks } = await createPlannedTask(tenant, network, [
      { key: 'v', agent_type: 'content', description: 'V', depends_on: [] },
      { key: 'w', agent_type: 'design', description: 'W', depends_on: [] },
    ]);
    const [v, w] = (await Promise.all(['v', 'w'].map((k) => t.store.subtasks.claim(tenant, task.id, subtasks[k]!.id, `w-${k}`)))) as [SubtaskWork, SubtaskWork];
    // The same memory from both: two groups, run one after the other.
    const memories = [{ type: 'fact' as const, content: 'Shared between the two', confidence: 1 }];
    const down = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
    const completeGroup = jest.spyOn(t.store.subtasks as unknown as { completeGroup: (r: unknown[]) => Promise<SubtaskRow[]> }, 'completeGroup').mockRejectedValueOnce(down);
    const outcomes = await Promise.allSettled(
      [v, w].map((work) => t.store.subtasks.complete(work, { result: 'r', reasoning: 'r', confidence: 0.5, model: 'm', memories })),
    );
    expect(outcomes.map((o) => o.status === 'rejected' && o.reason)).toEqual([down, down]);
    expect(completeGroup).toHaveBeenCalledTimes(1);
    for (const work of [v, w]) expect(await subtaskRow(work.subtask.id)).toMatchObject({ status: 'in_progress' });
    expect(await memoryRows(network.id)).toEqual([]);
  });
});

describe('batched llm call records', () => {
  it('records the calls of several tasks in one insert, each row intact', async () => {
    const tenant = newTenant('llm');
    const network = await createNetwork(tenant);
    const tasks = await Promise.all([1, 2, 3].map(async (i) => (await t.store.tasks.create(tenant, network.id, SubmitTaskBody.parse({ task: `task ${i}` })))!));
    const call = (taskId: string, i: number, extra: Partial<LlmCallRow> = {}): LlmCallRow => ({
      tenantId: tenant,
      networkId: network.id,
      taskId,
      subtaskId: null,
      purpose: 'subtask',
      provider: 'simulated',
      model: `model-${i}`,
      chainPosition: 0,
      attempt: i,
      latencyMs: 100 + i,
      inputTokens: 1000 * i + 7,
      outputTokens: 10 * i + 3,
      costUsd: Number((0.000123 * i).toFixed(6)),
      outcome: 'success',
      errorClass: null,
      // The call inspector's columns: the call the attempt belongs to, its kind, start and error.
      callId: `00000000-0000-4000-8000-00000000000${i}`,
      kind: 'call',
      startedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
      errorMessage: null,
      ...extra,
    });
    const byTask: Record<string, LlmCallRow[]> = {
      [tasks[0]!.id]: [
        call(tasks[0]!.id, 1, { outcome: 'error', errorClass: 'rate_limit', errorMessage: 'slow down (429)', outputTokens: 0, costUsd: 0 }),
        call(tasks[0]!.id, 2, { chainPosition: 1, kind: 'repair' }),
      ],
      [tasks[1]!.id]: [call(tasks[1]!.id, 3, { purpose: 'plan' })],
      [tasks[2]!.id]: [call(tasks[2]!.id, 4), call(tasks[2]!.id, 5), call(tasks[2]!.id, 6, { provider: 'other' })],
    };

    const query = jest.spyOn(t.db, 'query');
    await Promise.all(Object.values(byTask).map((calls) => t.store.llmCalls.record(calls)));
    const inserts = statementsMatching(query, 'INSERT INTO llm_calls');
    expect(inserts).toHaveLength(1);
    // Six rows in one statement: the first column is the tenant of each row.
    expect(inserts[0]![0]).toHaveLength(6);

    const byAttempt = (a: LlmCallRow, b: LlmCallRow) => a.attempt - b.attempt;
    for (const [taskId, calls] of Object.entries(byTask)) {
      const stored = await t.store.llmCalls.forTask(taskId);
      expect(stored.sort(byAttempt)).toEqual(calls.sort(byAttempt));
    }
    const nullErrors = (await t.store.llmCalls.forTask(tasks[2]!.id)).map((c) => c.errorClass);
    expect(nullErrors).toEqual([null, null, null]);
  });
});

describe('batched memory retrieval', () => {
  it('gives each concurrent retrieval only its own tenant and network’s items', async () => {
    const tenantA = newTenant('mem-a');
    const tenantB = newTenant('mem-b');
    const [networkA, networkB] = await Promise.all([createNetwork(tenantA), createNetwork(tenantB)]);
    const common = 'Subscribers click newsletter links about pricing';
    const add = (tenant: string, networkId: string, content: string) => t.store.memory.add(tenant, networkId, { memory_type: 'fact', content, confidence: 0.8 });
    const aItems = [
      await add(tenantA, networkA.id, common),
      await add(tenantA, networkA.id, 'Newsletter pricing links work best at the top'),
    ];
    const bItems = [
      await add(tenantB, networkB.id, common),
      await add(tenantB, networkB.id, 'Subscribers ignore newsletter links in footers'),
      await add(tenantB, networkB.id, 'Pricing pages convert subscribers from newsletters'),
    ];
    const options = { matches: 10, recent: 5 };

    const query = jest.spyOn(t.db, 'query');
    const [forA, bAskingForA, forB] = await Promise.all([
      t.store.memory.candidates(tenantA, networkA.id, common, options),
      t.store.memory.candidates(tenantB, networkA.id, common, options),
      t.store.memory.candidates(tenantB, networkB.id, common, options),
    ]);
    // Spread over the batcher's two slots: A's own request and tenant B naming network A share a statement.
    const retrievals = statementsMatching(query, 'memory_candidates(r.network_id');
    expect(retrievals.map((params) => params[0])).toEqual([[networkA.id, networkA.id], [networkB.id]]);
    expect(retrievals[0]![1]).toEqual([tenantA, tenantB]);

    const ids = (items: { id: string }[]) => items.map((i) => i.id).sort();
    expect(ids(forA)).toEqual(ids(aItems.map((r) => r.item)));
    expect(ids(forB)).toEqual(ids(bItems.map((r) => r.item)));
    expect(forA.every((c) => c.tenant_id === tenantA && c.network_id === networkA.id)).toBe(true);
    expect(forB.every((c) => c.tenant_id === tenantB && c.network_id === networkB.id)).toBe(true);
    // Each network's copy of the identical text matched, as its own item.
    const commonA = forA.find((c) => c.content === common)!;
    const commonB = forB.find((c) => c.content === common)!;
    expect(commonA.id).toBe(aItems[0]!.item.id);
    expect(commonB.id).toBe(bItems[0]!.item.id);
    expect(commonA.rank).toBeGreaterThan(0);
    expect(commonB.rank).toBeGreaterThan(0);
    // Another tenant naming network A sees nothing of it.
    expect(bAskingForA).toEqual([]);
  });
});
