import { CreateNetworkBody, SubmitTaskBody, type ToolResult } from '@mesh/core';
import { createTestEnv, type TestEnv } from '@mesh/testing';
import type { NewStoredToolCall } from './tool-call-repository';
import { TOOL_CALL_VIEW_MAX_CHARS } from './task-repository';

let t: TestEnv;
beforeAll(async () => {
  t = await createTestEnv('tool-calls');
});
afterAll(async () => {
  await t.cleanup();
});

/** A network with one task of two planned subtasks (`a`, then `b`). */
async function taskWithSubtasks(tenantId = 'tenant-a') {
  const network = await t.store.networks.create(tenantId, CreateNetworkBody.parse({ name: 'Tools' }));
  const task = (await t.store.tasks.create(tenantId, network.id, SubmitTaskBody.parse({ task: 'Act' })))!;
  const subtasks = await t.store.subtasks.insertPlan({ id: task.id, tenant_id: tenantId, network_id: network.id }, 1, [
    { key: 'a', agent_type: 'analytics', description: 'Look it up', depends_on: [], agent_id: null },
    { key: 'b', agent_type: 'content', description: 'Write it up', depends_on: ['a'], agent_id: null },
  ]);
  const byKey = (key: string) => subtasks.find((s) => s.key === key)!;
  return { network, task, a: byKey('a'), b: byKey('b') };
}

function call(subtaskId: string, position: number, overrides: Partial<NewStoredToolCall> = {}): NewStoredToolCall {
  return {
    subtaskId,
    position,
    round: 0,
    callId: `call-${position}`,
    tool: 'analytics.getReport',
    arguments: { campaign: 'spring', metrics: ['opens', 'clicks'] },
    idempotencyKey: `key-${subtaskId}-${position}`,
    sideEffects: false,
    startedAt: new Date('2025-03-01T10:00:00.000Z'),
    ...overrides,
  };
}

const ok = (content: string, data?: unknown): ToolResult => ({ ok: true, content, ...(data !== undefined ? { data } : {}) });

describe('the tool-call journal', () => {
  it('records a call as running, finishes it, and finds and lists it by position', async () => {
    const { task, a } = await taskWithSubtasks();
    const journal = t.store.toolCalls.journal({ tenantId: 'tenant-a', taskId: task.id });
    expect(await journal.find(a.id, 0)).toBeNull();
    const second = await journal.begin(call(a.id, 1, { round: 1, callId: 'toolu_2', tool: 'send_email', sideEffects: true }));
    const first = await journal.begin(call(a.id, 0));
    expect(first).toMatchObject({ subtaskId: a.id, position: 0, round: 0, callId: 'call-0', status: 'running', result: null, error: null, finishedAt: null, durationMs: null });
    expect(first.startedAt).toEqual(new Date('2025-03-01T10:00:00.000Z'));
    expect(second).toMatchObject({ position: 1, round: 1, callId: 'toolu_2', tool: 'send_email', sideEffects: true });

    const finishedAt = new Date('2025-03-01T10:00:01.250Z');
    const done = await journal.finish(first.id, { status: 'completed', result: ok('opens: 42', { opens: 42 }), error: null, finishedAt, durationMs: 1250 });
    expect(done).toMatchObject({ id: first.id, status: 'completed', result: { ok: true, content: 'opens: 42', data: { opens: 42 } }, durationMs: 1250 });
    expect(done.finishedAt).toEqual(finishedAt);
    expect(await journal.find(a.id, 0)).toEqual(done);
    expect((await journal.list(a.id)).map((r) => [r.position, r.status])).toEqual([
      [0, 'completed'],
      [1, 'running'],
    ]);
  });

  it('refuses a second call at a recorded position with a conflict, and changes nothing', async () => {
    const { task, a } = await taskWithSubtasks();
    const journal = t.store.toolCalls.journal({ tenantId: 'tenant-a', taskId: task.id });
    const first = await journal.begin(call(a.id, 0));
    await expect(journal.begin(call(a.id, 0, { tool: 'other', arguments: {} }))).rejects.toMatchObject({ name: 'ConflictError', status: 409, message: expect.stringContaining('already recorded') });
    expect(await journal.list(a.id)).toEqual([first]);
  });

  it('finishes a call once: a second finish leaves the first outcome and returns the row', async () => {
    const { task, a } = await taskWithSubtasks();
    const journal = t.store.toolCalls.journal({ tenantId: 'tenant-a', taskId: task.id });
    const { id } = await journal.begin(call(a.id, 0));
    const first = await journal.finish(id, { status: 'completed', result: ok('first'), error: null, finishedAt: new Date(), durationMs: 5 });
    const second = await journal.finish(id, { status: 'failed', result: { ok: false, content: 'boom', error: 'boom' }, error: 'boom', finishedAt: new Date(), durationMs: 9 });
    expect(second).toEqual(first);
    expect((await journal.find(a.id, 0))?.result?.content).toBe('first');
    await expect(journal.finish('00000000-0000-4000-8000-000000000000', { status: 'completed', result: ok('x'), error: null, finishedAt: new Date(), durationMs: 1 })).rejects.toMatchObject({ status: 404 });
  });

  it('stores arguments and results as JSON: content equal after the round trip, text Postgres refuses made storable', async () => {
    const { task, a } = await taskWithSubtasks();
    const journal = t.store.toolCalls.journal({ tenantId: 'tenant-a', taskId: task.id });
    const args = { z: 1, a: { nested: [1, 'two', { three: null }], unicode: 'héllo — 👋' }, flag: true, quote: `"'; DROP TABLE tool_calls; --` };
    const begun = await journal.begin(call(a.id, 0, { arguments: args }));
    expect(begun.arguments).toEqual(args);
    expect((await journal.find(a.id, 0))?.arguments).toEqual(args);
    const finished = await journal.finish(begun.id, { status: 'completed', result: ok('NUL\u0000 and \uD800 lone', { raw: 'x\u0000y' }), error: null, finishedAt: new Date(), durationMs: 2.6 });
    expect(finished.result).toEqual({ ok: true, content: 'NUL\uFFFD and \uFFFD lone', data: { raw: 'x\uFFFDy' } });
    expect(finished.durationMs).toBe(3);
  });

  it('is held to its tenant and task: another scope finds nothing and cannot record on the subtask', async () => {
    const { task, a } = await taskWithSubtasks('tenant-a');
    const other = await taskWithSubtasks('tenant-a');
    const journal = t.store.toolCalls.journal({ tenantId: 'tenant-a', taskId: task.id });
    const recorded = await journal.begin(call(a.id, 0));
    const otherTenant = t.store.toolCalls.journal({ tenantId: 'tenant-b', taskId: task.id });
    const otherTask = t.store.toolCalls.journal({ tenantId: 'tenant-a', taskId: other.task.id });
    for (const scoped of [otherTenant, otherTask]) {
      expect(await scoped.find(a.id, 0)).toBeNull();
      expect(await scoped.list(a.id)).toEqual([]);
      await expect(scoped.begin(call(a.id, 1))).rejects.toMatchObject({ status: 404 });
      await expect(scoped.finish(recorded.id, { status: 'failed', result: ok('x'), error: 'x', finishedAt: new Date(), durationMs: 1 })).rejects.toMatchObject({ status: 404 });
    }
    expect(await journal.list(a.id)).toEqual([recorded]);
    expect(await t.store.toolCalls.forTask(task.id)).toEqual([recorded]);
  });

  it('goes with its task and its network', async () => {
    const pending = await taskWithSubtasks();
    await t.store.toolCalls.journal({ tenantId: 'tenant-a', taskId: pending.task.id }).begin(call(pending.a.id, 0));
    expect(await t.store.tasks.deletePending('tenant-a', pending.task.id)).toBe(true);
    expect(await t.store.toolCalls.forTask(pending.task.id)).toEqual([]);

    const kept = await taskWithSubtasks();
    await t.store.toolCalls.journal({ tenantId: 'tenant-a', taskId: kept.task.id }).begin(call(kept.b.id, 0));
    expect(await t.store.toolCalls.forTask(kept.task.id)).toHaveLength(1);
    expect(await t.store.networks.delete('tenant-a', kept.network.id)).not.toBeNull();
    expect(await t.store.toolCalls.forTask(kept.task.id)).toEqual([]);
  });
});

describe('the task read', () => {
  it("shows each subtask's tool calls in order, results and errors truncated, as ToolCallView", async () => {
    const { task, a, b } = await taskWithSubtasks();
    const journal = t.store.toolCalls.journal({ tenantId: 'tenant-a', taskId: task.id });
    const long = 'x'.repeat(TOOL_CALL_VIEW_MAX_CHARS + 500);
    const later = await journal.begin(call(a.id, 1, { tool: 'send_email', arguments: { to: 'a@example.com' }, startedAt: new Date('2025-03-01T10:00:02.000Z') }));
    const earlier = await journal.begin(call(a.id, 0));
    await journal.finish(earlier.id, { status: 'completed', result: ok(long), error: null, finishedAt: new Date(), durationMs: 12 });
    await journal.finish(later.id, { status: 'failed', result: { ok: false, content: 'refused', error: long }, error: long, finishedAt: new Date(), durationMs: 7 });

    const read = await t.store.tasks.get('tenant-a', task.id);
    const shown = read!.subtasks!.find((s) => s.id === a.id)!;
    expect(read!.subtasks!.find((s) => s.id === b.id)!.tool_calls).toEqual([]);
    expect(shown.tool_calls).toEqual([
      {
        id: earlier.id,
        tool: 'analytics.getReport',
        arguments: { campaign: 'spring', metrics: ['opens', 'clicks'] },
        status: 'completed',
        result: `${'x'.repeat(TOOL_CALL_VIEW_MAX_CHARS - 1)}…`,
        error: null,
        idempotency_key: earlier.idempotencyKey,
        started_at: '2025-03-01T10:00:00.000Z',
        duration_ms: 12,
      },
      {
        id: later.id,
        tool: 'send_email',
        arguments: { to: 'a@example.com' },
        status: 'failed',
        result: 'refused',
        error: `${'x'.repeat(TOOL_CALL_VIEW_MAX_CHARS - 1)}…`,
        idempotency_key: later.idempotencyKey,
        started_at: '2025-03-01T10:00:02.000Z',
        duration_ms: 7,
      },
    ]);
  });

  it('shows a running call with no result yet', async () => {
    const { task, a } = await taskWithSubtasks();
    await t.store.toolCalls.journal({ tenantId: 'tenant-a', taskId: task.id }).begin(call(a.id, 0));
    const [view] = (await t.store.tasks.get('tenant-a', task.id))!.subtasks!.find((s) => s.id === a.id)!.tool_calls;
    expect(view).toMatchObject({ status: 'running', result: null, error: null, duration_ms: null });
  });
});

describe('the sent-email ledger', () => {
  it('records a message once and finds it by Message-ID within its tenant only', async () => {
    const ledger = t.store.sentEmails.ledger('tenant-a');
    const sent = { messageId: '<k1@mesh.example>', idempotencyKey: 'k1', accepted: ['a@example.com'], rejected: ['b@example.com'], response: '250 OK: queued as 1', sentAt: new Date('2025-03-01T10:00:00.000Z') };
    expect(await ledger.find(sent.messageId)).toBeNull();
    await ledger.record(sent);
    await ledger.record({ ...sent, accepted: [], response: '250 OK: queued as 2', sentAt: new Date() });
    expect(await ledger.find(sent.messageId)).toEqual(sent);
    expect(await t.store.sentEmails.ledger('tenant-b').find(sent.messageId)).toBeNull();
    const { rows } = await t.db.query<{ count: string }>('SELECT count(*) FROM sent_emails WHERE message_id = $1', [sent.messageId]);
    expect(Number(rows[0]!.count)).toBe(1);
  });
});
