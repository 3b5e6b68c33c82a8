import { randomUUID } from 'node:crypto';
import type { ToolSpecInput } from '@mesh/core';
import { json, startHttpServer, type HttpTestServer } from './__tests__/http-test-server';
import { toolTestRuntime } from './__tests__/tool-test-runtime';
import { ToolCallConflictError } from './errors';
import { runToolCall } from './run-tool-call';
import { toolCallIdempotencyKey } from './tool-call-idempotency-key';
import { toolCallView } from './tool-call-view';

describe('runToolCall: side effects happen once', () => {
  let server: HttpTestServer;

  beforeEach(async () => {
    let orders = 0;
    server = await startHttpServer((req, res) => {
      if (req.url.startsWith('/slow')) {
        const timer = setTimeout(() => json(res, 200, { late: true }), 3_000);
        res.on('close', () => clearTimeout(timer));
      } else if (req.method === 'POST') json(res, 201, { order: ++orders, key: req.headers['idempotency-key'] });
      else json(res, 200, { stock: 7 });
    });
  });

  afterEach(() => server.close());

  const tools = (): ToolSpecInput[] => [
    {
      kind: 'http',
      name: 'place_order',
      description: 'Places an order',
      input_schema: { type: 'object', properties: { sku: { type: 'string' } }, required: ['sku'] },
      request: { method: 'POST', url: `${server.url}/orders` },
    },
    {
      kind: 'http',
      name: 'check_stock',
      description: 'Reads the stock of a product',
      input_schema: { type: 'object', properties: { sku: { type: 'string' } }, required: ['sku'] },
      request: { method: 'GET', url: `${server.url}/stock/{sku}` },
    },
    {
      kind: 'http',
      name: 'slow_report',
      description: 'Takes too long',
      input_schema: { type: 'object', properties: {} },
      request: { method: 'GET', url: `${server.url}/slow` },
      timeout_ms: 200,
    },
  ];

  async function setup() {
    const rt = toolTestRuntime();
    const registered = await Promise.all(tools().map((spec) => rt.register(spec)));
    const catalog = rt.catalog(registered);
    return { rt, tool: (name: string) => catalog.get(name)! };
  }

  it('records the call before it runs and when it ends', async () => {
    const { rt, tool } = await setup();
    const subtaskId = randomUUID();
    let seenWhileRunning: unknown;
    const journal = {
      ...rt.journal,
      find: rt.journal.find.bind(rt.journal),
      list: rt.journal.list.bind(rt.journal),
      begin: async (...args: Parameters<typeof rt.journal.begin>) => rt.journal.begin(...args),
      start: rt.journal.start.bind(rt.journal),
      record: rt.journal.record.bind(rt.journal),
      finish: async (...args: Parameters<typeof rt.journal.finish>) => {
        seenWhileRunning = (await rt.journal.find(subtaskId, 0))?.status;
        return rt.journal.finish(...args);
      },
    };
    const outcome = await runToolCall({ journal, dispatcher: rt.dispatcher }, { subtaskId, position: 0, round: 0, callId: `call-0`, tool: tool('place_order'), arguments: { sku: 'A1' } });
    expect(seenWhileRunning).toBe('running');
    expect(outcome.record).toMatchObject({ status: 'completed', tool: 'place_order', idempotencyKey: toolCallIdempotencyKey(subtaskId, 0), sideEffects: true });
    expect(outcome.record.durationMs).toEqual(expect.any(Number));
    expect(toolCallView(outcome.record)).toMatchObject({ tool: 'place_order', status: 'completed', arguments: { sku: 'A1' }, idempotency_key: toolCallIdempotencyKey(subtaskId, 0), error: null });
  });

  it('replays a completed call from the journal without calling the service', async () => {
    const { rt, tool } = await setup();
    const subtaskId = randomUUID();
    const first = await runToolCall(rt.deps, { subtaskId, position: 0, round: 0, callId: `call-0`, tool: tool('place_order'), arguments: { sku: 'A1' } });
    const again = await runToolCall(rt.deps, { subtaskId, position: 0, round: 0, callId: `call-0`, tool: tool('place_order'), arguments: { sku: 'A1' } });
    expect(again.replayed).toBe(true);
    expect(again.result).toEqual(first.result);
    expect(again.content).toBe(first.content);
    expect(server.requests).toHaveLength(1);
  });

  it('replays a failed call as failed', async () => {
    const { rt, tool } = await setup();
    const subtaskId = randomUUID();
    const first = await runToolCall(rt.deps, { subtaskId, position: 0, round: 0, callId: `call-0`, tool: tool('place_order'), arguments: { sku: 42 } });
    expect(first.record.status).toBe('failed');
    const again = await runToolCall(rt.deps, { subtaskId, position: 0, round: 0, callId: `call-0`, tool: tool('place_order'), arguments: { sku: 42 } });
    expect(again).toMatchObject({ replayed: true, result: { ok: false } });
  });

  it('repeats an in-flight side-effecting call with the same Idempotency-Key', async () => {
    const { rt, tool } = await setup();
    const subtaskId = randomUUID();
    const key = toolCallIdempotencyKey(subtaskId, 3);
    // The earlier attempt recorded the call, sent it, and died before recording the answer.
    await rt.journal.begin({ subtaskId, position: 3, round: 0, callId: `call-3`, tool: 'place_order', arguments: { sku: 'A1' }, idempotencyKey: key, sideEffects: true, startedAt: new Date() });
    await rt.policy.request({ url: `${server.url}/orders`, method: 'POST', headers: { 'idempotency-key': key }, body: '{"sku":"A1"}' });
    const resumed = await runToolCall(rt.deps, { subtaskId, position: 3, round: 0, callId: `call-3`, tool: tool('place_order'), arguments: { sku: 'A1' } });
    expect(resumed.replayed).toBe(false);
    expect(resumed.record.status).toBe('completed');
    expect(server.requests.map((r) => r.headers['idempotency-key'])).toEqual([key, key]);
    expect(await rt.journal.list(subtaskId)).toHaveLength(1);
  });

  it('re-runs an in-flight read-only call', async () => {
    const { rt, tool } = await setup();
    const subtaskId = randomUUID();
    await rt.journal.begin({ subtaskId, position: 0, round: 0, callId: `call-0`, tool: 'check_stock', arguments: { sku: 'A1' }, idempotencyKey: toolCallIdempotencyKey(subtaskId, 0), sideEffects: false, startedAt: new Date() });
    const resumed = await runToolCall(rt.deps, { subtaskId, position: 0, round: 0, callId: `call-0`, tool: tool('check_stock'), arguments: { sku: 'A1' } });
    expect(resumed.result).toMatchObject({ ok: true, data: { stock: 7 } });
    expect(server.requests.map((r) => [r.method, r.url, r.headers['idempotency-key']])).toEqual([['GET', '/stock/A1', undefined]]);
  });

  it('refuses a different call at a recorded position', async () => {
    const { rt, tool } = await setup();
    const subtaskId = randomUUID();
    await runToolCall(rt.deps, { subtaskId, position: 0, round: 0, callId: `call-0`, tool: tool('place_order'), arguments: { sku: 'A1' } });
    await expect(runToolCall(rt.deps, { subtaskId, position: 0, round: 0, callId: `call-0`, tool: tool('place_order'), arguments: { sku: 'B2' } })).rejects.toThrow(ToolCallConflictError);
    await expect(runToolCall(rt.deps, { subtaskId, position: 0, round: 0, callId: `call-0`, tool: tool('check_stock'), arguments: { sku: 'A1' } })).rejects.toThrow(ToolCallConflictError);
    expect(server.requests).toHaveLength(1);
  });

  it('records a call over its timeout as failed, and leaves a stopped call running for the retry', async () => {
    const { rt, tool } = await setup();
    const subtaskId = randomUUID();
    const slow = await runToolCall(rt.deps, { subtaskId, position: 0, round: 0, callId: `call-0`, tool: tool('slow_report'), arguments: {} });
    expect(slow.record.status).toBe('failed');
    expect(slow.result.error).toMatch(/200 ms/);

    // A side-effecting call stopped midway stays running: the retry repeats it with its key.
    const stopped = new AbortController();
    const pending = runToolCall(rt.deps, { subtaskId, position: 2, round: 0, callId: `call-2`, tool: tool('place_order'), arguments: { sku: 'A1' }, signal: stopped.signal });
    stopped.abort(new Error('subtask cancelled'));
    await expect(pending).rejects.toThrow('subtask cancelled');
    expect((await rt.journal.find(subtaskId, 2))?.status).toBe('running');

    // One without side effects leaves nothing: the retry runs it again, which changes nothing.
    const stoppedRead = new AbortController();
    const read = runToolCall(rt.deps, { subtaskId, position: 3, round: 0, callId: `call-3`, tool: tool('check_stock'), arguments: { sku: 'A1' }, signal: stoppedRead.signal });
    stoppedRead.abort(new Error('subtask cancelled'));
    await expect(read).rejects.toThrow('subtask cancelled');
    expect(await rt.journal.find(subtaskId, 3)).toBeNull();
  });

  it('records a call without side effects once, when it has ended (never as running)', async () => {
    const { rt, tool } = await setup();
    const subtaskId = randomUUID();
    const seen: (string | undefined)[] = [];
    const journal = { ...rt.journal, find: rt.journal.find.bind(rt.journal), list: rt.journal.list.bind(rt.journal), start: rt.journal.start.bind(rt.journal), record: rt.journal.record.bind(rt.journal), finish: rt.journal.finish.bind(rt.journal),
      begin: async (...args: Parameters<typeof rt.journal.begin>) => {
        seen.push('begin');
        return rt.journal.begin(...args);
      },
    };
    const outcome = await runToolCall({ journal, dispatcher: rt.dispatcher }, { subtaskId, position: 0, round: 0, callId: 'call-0', tool: tool('check_stock'), arguments: { sku: 'A1' } });
    expect(seen).toEqual([]);
    // Its row is written once the caller has gone on (the next model turn leaves first).
    await Promise.resolve();
    expect(await rt.journal.find(subtaskId, 0)).toBeNull();
    await outcome.stored;
    expect(await rt.journal.find(subtaskId, 0)).toMatchObject({ status: 'completed', sideEffects: false, tool: 'check_stock', id: outcome.record.id });
    // Replayed from its row on a retry, not run again.
    const again = await runToolCall({ journal, dispatcher: rt.dispatcher }, { subtaskId, position: 0, round: 0, callId: 'call-0', tool: tool('check_stock'), arguments: { sku: 'A1' } });
    expect(again.replayed).toBe(true);
  });
});
