import type { AttemptRecord, RecordedCall } from '@mesh/llm';
import type { LlmCallDetailRow, LlmCallRow, Store } from '@mesh/store';
import { storeRecorder } from './runtime';

/** What the recorder hands the store: the attempt rows and the call's details. */
function capturingStore() {
  const records: { rows: LlmCallRow[]; detail: LlmCallDetailRow | undefined }[] = [];
  const store = { llmCalls: { record: async (rows: LlmCallRow[], detail?: LlmCallDetailRow) => void records.push({ rows, detail }) } } as unknown as Store;
  return { store, records };
}

const SECRET = 'Zq7-secret-value-0123456789';
const attempt = (over: Partial<AttemptRecord> = {}): AttemptRecord => ({
  provider: 'openai', model: 'gpt-x', chainPosition: 0, attempt: 1, kind: 'call', startedAt: '2026-01-01T00:00:00.000Z', latencyMs: 12,
  inputTokens: 10, outputTokens: 5, costUsd: 0.001, outcome: 'success', simulated: false, purpose: 'subtask', ...over,
});
const deep = (depth: number, leaf: unknown): unknown => (depth === 0 ? leaf : { nested: deep(depth - 1, leaf) });
const call: RecordedCall = {
  callId: '11111111-1111-4111-8111-111111111111',
  system: `You may use the key ${SECRET}`,
  messages: [
    { role: 'user', content: `The token is ${SECRET}` },
    { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'crm.lookup', arguments: deep(12, `Bearer ${SECRET}`) as Record<string, unknown> }] },
    { role: 'tool', toolCallId: 'c1', name: 'crm.lookup', content: `{"echo": "${SECRET}"}` },
  ],
  annotations: { memory: [{ id: 'm1', memory_type: 'fact', content: `remember ${SECRET}` }], iteration: 1, turn: 1 },
  output: { text: `Done with ${SECRET}`, toolCalls: [{ id: 'c2', name: 'x', arguments: { key: SECRET } }] },
};

describe('storeRecorder', () => {
  it('stores the attempts with their call id and the call as sent, every configured secret replaced, however deep', async () => {
    const { store, records } = capturingStore();
    await storeRecorder(store, { prompts: true, secrets: [SECRET] }).record(
      [attempt({ outcome: 'invalid_output', errorClass: 'invalid_output', errorMessage: `not JSON: ${SECRET}`, rejectedOutput: `I refuse, ${SECRET}` }), attempt({ attempt: 2, kind: 'repair' })],
      { tenantId: 'tenant-a', networkId: 'n', taskId: 't', subtaskId: 's' },
      call,
    );
    const [{ rows, detail }] = records as [{ rows: LlmCallRow[]; detail: LlmCallDetailRow }];
    expect(JSON.stringify(records)).not.toContain(SECRET);
    expect(rows.map((r) => [r.callId, r.kind, r.attempt, r.startedAt, r.errorMessage])).toEqual([
      [call.callId, 'call', 1, '2026-01-01T00:00:00.000Z', 'not JSON: [redacted]'],
      [call.callId, 'repair', 2, '2026-01-01T00:00:00.000Z', null],
    ]);
    expect(detail).toMatchObject({ callId: call.callId, tenantId: 'tenant-a', taskId: 't', subtaskId: 's', system: 'You may use the key [redacted]', output: 'Done with [redacted]' });
    expect(JSON.stringify(detail.messages)).toContain('Bearer [redacted]');
    expect(detail.annotations).toMatchObject({ iteration: 1, turn: 1, memory: [{ id: 'm1', content: 'remember [redacted]' }], rejected_outputs: [{ chain_position: 0, attempt: 1, kind: 'call', text: 'I refuse, [redacted]' }] });
    expect(detail.toolCalls).toEqual([{ id: 'c2', name: 'x', arguments: { key: '[redacted]' } }]);
  });

  it('stores a call that holds no secret as it is, and finds a secret that JSON escapes', async () => {
    const { store, records } = capturingStore();
    const quoted = 'pa"ss\\word-0123';
    const plain: RecordedCall = { ...call, system: 'no secret', messages: [{ role: 'user', content: 'nothing to hide' }], annotations: { iteration: 1 }, output: { text: 'ok' } };
    await storeRecorder(store, { prompts: true, secrets: [SECRET, quoted] }).record([attempt()], { taskId: 't' }, plain);
    // Not copied: the very messages the call sent.
    expect(records[0]!.detail!.messages).toBe(plain.messages);
    const escaped: RecordedCall = { ...plain, messages: [{ role: 'user', content: `the password is ${quoted}` }] };
    await storeRecorder(store, { prompts: true, secrets: [SECRET, quoted] }).record([attempt()], { taskId: 't' }, escaped);
    expect(records[1]!.detail!.messages).toEqual([{ role: 'user', content: 'the password is [redacted]' }]);
  });

  it('stores no prompt or answer with prompts off, only the attempts', async () => {
    const { store, records } = capturingStore();
    await storeRecorder(store, { prompts: false, secrets: [SECRET] }).record([attempt()], { taskId: 't' }, call);
    expect(records).toHaveLength(1);
    expect(records[0]!.detail).toBeUndefined();
    expect(records[0]!.rows).toHaveLength(1);
  });
});
