import { randomUUID } from 'node:crypto';
import { CreateNetworkBody, SubmitTaskBody } from '@mesh/core';
import {
  InMemorySentEmailLedger,
  InMemoryToolCallJournal,
  runToolCall,
  toolCallView,
  type CatalogTool,
  type NewToolCallRecord,
  type SentEmailLedger,
  type ToolCallJournal,
  type ToolDispatcher,
} from '@mesh/tools';
import { createTestEnv, type TestEnv } from './test-env';

/*
 * The store implements @mesh/tools' journal and ledger without importing them (storage depends on
 * core only). The typed assignments below are the compile-time check that the shapes agree; the
 * tests run the same scenarios through the Postgres and the in-memory versions.
 */

let t: TestEnv;
beforeAll(async () => {
  t = await createTestEnv('journal-contract');
});
afterAll(async () => {
  await t.cleanup();
});

async function subtaskOfNewTask(): Promise<{ taskId: string; subtaskId: string }> {
  const network = await t.store.networks.create('tenant-a', CreateNetworkBody.parse({ name: 'Contract' }));
  const task = (await t.store.tasks.create('tenant-a', network.id, SubmitTaskBody.parse({ task: 'Act' })))!;
  const [subtask] = await t.store.subtasks.insertPlan({ id: task.id, tenant_id: 'tenant-a', network_id: network.id }, 1, [
    { key: 'a', agent_type: 'analytics', description: 'Look it up', depends_on: [], agent_id: null },
  ]);
  return { taskId: task.id, subtaskId: subtask!.id };
}

async function journals(): Promise<{ name: string; journal: ToolCallJournal; subtaskId: string }[]> {
  const { taskId, subtaskId } = await subtaskOfNewTask();
  const postgres: ToolCallJournal = t.store.toolCalls.journal({ tenantId: 'tenant-a', taskId });
  return [
    { name: 'postgres', journal: postgres, subtaskId },
    { name: 'in memory', journal: new InMemoryToolCallJournal(), subtaskId },
  ];
}

const call = (subtaskId: string, position: number, args: Record<string, unknown> = { b: 2, a: { y: [1, 2], x: 'x' } }): NewToolCallRecord => ({
  subtaskId,
  position,
  round: 0,
  callId: `call-${position}`,
  tool: 'check_stock',
  arguments: args,
  idempotencyKey: `key-${position}`,
  sideEffects: false,
  startedAt: new Date('2025-03-01T10:00:00.000Z'),
});

describe('the Postgres journal behaves as the in-memory one', () => {
  it('begin, find, list, finish and a duplicate position', async () => {
    const outcomes = [];
    for (const { journal, subtaskId } of await journals()) {
      const later = await journal.begin(call(subtaskId, 1));
      const first = await journal.begin(call(subtaskId, 0));
      await expect(journal.begin(call(subtaskId, 0))).rejects.toMatchObject({ status: 409 });
      const finished = await journal.finish(first.id, { status: 'completed', result: { ok: true, content: 'stock: 7', data: { stock: 7 } }, error: null, finishedAt: new Date('2025-03-01T10:00:01.000Z'), durationMs: 1000 });
      expect(await journal.find(subtaskId, 0)).toEqual(finished);
      expect(await journal.find(subtaskId, 2)).toBeNull();
      await expect(journal.finish('00000000-0000-4000-8000-000000000000', { status: 'failed', result: { ok: false, content: 'x' }, error: 'x', finishedAt: new Date(), durationMs: 1 })).rejects.toMatchObject({ status: 404 });
      const listed = await journal.list(subtaskId);
      expect(listed.map((r) => r.id)).toEqual([first.id, later.id]);
      // Ids differ between the two; everything else is the same.
      outcomes.push(listed.map(({ id: _id, ...rest }) => rest));
    }
    expect(outcomes[0]).toEqual(outcomes[1]);
  });

  it('record writes an ended call once; a position already recorded keeps its first row', async () => {
    const outcomes = [];
    for (const { journal, subtaskId } of await journals()) {
      const ended = {
        ...call(subtaskId, 0),
        id: randomUUID(),
        status: 'completed' as const,
        result: { ok: true, content: 'stock: 7' },
        error: null,
        finishedAt: new Date('2025-03-01T10:00:01.000Z'),
        durationMs: 1000,
      };
      await journal.record(ended);
      await journal.record({ ...ended, id: randomUUID(), result: { ok: true, content: 'stock: 9' } });
      const found = await journal.find(subtaskId, 0);
      expect(found).toEqual(ended);
      outcomes.push({ ...found, id: 'x', subtaskId: 'x' });
    }
    expect(outcomes[0]).toEqual(outcomes[1]);
  });

  it('a completed call is replayed through the Postgres journal, however JSONB ordered its arguments', async () => {
    const { taskId, subtaskId } = await subtaskOfNewTask();
    const journal = t.store.toolCalls.journal({ tenantId: 'tenant-a', taskId });
    const execute = jest.fn(async () => ({ ok: true, content: 'stock: 7' }));
    const dispatcher = { execute } as unknown as ToolDispatcher;
    const tool = { name: 'check_stock', side_effects: false } as CatalogTool;
    const args = { sku: 'A1', a_first: { z: 1, a: 2 } };
    const first = await runToolCall({ journal, dispatcher }, { subtaskId, position: 0, round: 0, callId: 'c0', tool, arguments: args });
    // A call without side effects is recorded once it has ended, without waiting: the retry comes after the row.
    await first.stored;
    const again = await runToolCall({ journal, dispatcher }, { subtaskId, position: 0, round: 0, callId: 'c0', tool, arguments: args });
    expect(execute).toHaveBeenCalledTimes(1);
    expect(first.replayed).toBe(false);
    expect(again).toMatchObject({ replayed: true, result: { ok: true, content: 'stock: 7' } });

    // The task read shows the call exactly as the tools layer's view does.
    const read = await t.store.tasks.get('tenant-a', taskId);
    expect(read!.subtasks![0]!.tool_calls).toEqual([toolCallView(again.record)]);
  });
});

describe('the Postgres ledger behaves as the in-memory one', () => {
  it('records once and finds by Message-ID', async () => {
    const ledgers: SentEmailLedger[] = [t.store.sentEmails.ledger('tenant-a'), new InMemorySentEmailLedger()];
    for (const ledger of ledgers) {
      const sent = { messageId: `<contract-${ledgers.indexOf(ledger)}@mesh.example>`, idempotencyKey: 'k', accepted: ['a@example.com'], rejected: [], response: '250 OK', sentAt: new Date('2025-03-01T10:00:00.000Z') };
      expect(await ledger.find(sent.messageId)).toBeNull();
      await ledger.record(sent);
      await ledger.record({ ...sent, response: '250 again' });
      expect(await ledger.find(sent.messageId)).toEqual(sent);
    }
  });
});
