import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RegisterToolBody, type CoordinatorDecision, type RegisteredTool, type TaskEvent, type ToolSpec } from '@mesh/core';
import { InMemorySpanExporter, initTracing, sampleValue } from '@mesh/observability';
import { createTestEnv, ScriptedModel, startInProcessMesh, type ScriptedCall, type TestEnv } from '@mesh/testing';
import { deriveTools, toolCallIdempotencyKey, toolEnvironment } from '@mesh/tools';
import { SCHEMA_NAMES } from '../model-client';

/**
 * The subtask tool loop through the whole engine (coordinator, worker pool, Postgres journal)
 * against a real HTTP service on loopback; the model is scripted, so each turn is known.
 */
let env: TestEnv;

interface Hit {
  method: string;
  url: string;
  body: string;
  idempotencyKey: string | undefined;
  at: number;
}

/** A service with a read (`GET /stats/{campaign}`, 80 ms) and a side effect (`POST /orders`); `GET /broken` answers 500. */
async function startService(): Promise<{ url: string; hits: Hit[]; close(): Promise<void> }> {
  const hits: Hit[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      hits.push({ method: req.method ?? '', url: req.url ?? '', body: Buffer.concat(chunks).toString('utf8'), idempotencyKey: req.headers['idempotency-key'] as string | undefined, at: Date.now() });
      if (req.url?.startsWith('/broken')) {
        res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"database on fire"}');
        return;
      }
      const answer = req.method === 'POST' ? { order: 'o-1', status: 'placed' } : { campaign: decodeURIComponent(req.url?.split('/').pop() ?? ''), open_rate: 0.42 };
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer)), req.method === 'GET' ? 80 : 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const plan = (keys: string[]): CoordinatorDecision => ({
  task_complete: false,
  reasoning: 'delegate',
  subtasks: keys.map((key) => ({ key, agent_type: 'analytics', description: `do ${key}`, depends_on: [] })),
  new_memories: [],
  result: null,
});
const done: CoordinatorDecision = { task_complete: true, reasoning: 'done', subtasks: [], new_memories: [], result: { content: 'final', confidence: 0.9, explanation: 'e' } };
const answer = (result: string) => ({ reasoning: 'r', result, confidence: 0.8, suggested_memories: [] });

/** Tool results the model was sent in this call, in order. */
function toolResults(call: ScriptedCall): { name: string; content: string; isError: boolean }[] {
  return call.messages.flatMap((m) => (m.role === 'tool' ? [{ name: m.name, content: m.content, isError: m.isError === true }] : []));
}

async function register(networkId: string, spec: ToolSpec): Promise<RegisteredTool> {
  const { tools } = await deriveTools(spec, toolEnvironment(env.config.tools).derive);
  return env.store.tools.create('tenant-a', networkId, { spec, tools });
}

function httpTool(service: string, name: string, method: 'GET' | 'POST', path: string): ToolSpec {
  return RegisterToolBody.parse({
    tool: {
      kind: 'http',
      name,
      description: `${method} ${path}`,
      input_schema: { type: 'object', properties: { campaign: { type: 'string' }, sku: { type: 'string' } }, required: path.includes('{campaign}') ? ['campaign'] : [] },
      request: { method, url: `${service}${path}` },
    },
  }).tool;
}

/** A network whose only specialist (analytics) may call `tools`. */
async function analyticsNetwork(mesh: { createNetwork(input: Record<string, unknown>): Promise<string> }, tools: string[] = []): Promise<string> {
  return mesh.createNetwork({
    agents: [
      { name: 'Coordinator', type: 'coordinator' },
      { name: 'Analytics Specialist', type: 'analytics', tools },
    ],
  });
}

beforeAll(async () => {
  env = await createTestEnv('tool-loop', { MESH_TOOL_ALLOWED_HOSTS: '127.0.0.1', MESH_TOOL_MAX_ROUNDS: '2', MESH_AGENT_DISCOVERY_MS: '100' });
});
afterAll(async () => {
  await env?.cleanup();
});

describe('the subtask tool loop', () => {
  it('runs the calls of one turn concurrently, records each, feeds the results back as data and stores the answer', async () => {
    const service = await startService();
    const exporter = new InMemorySpanExporter();
    const tracing = initTracing({ serviceName: 'tool-loop-test', exporter });
    // The plan waits until the test listens to the task's events.
    let listening!: () => void;
    const planGate = new Promise<void>((r) => (listening = r));
    const model = new ScriptedModel(async (_req, call) => {
      if (call.schemaName === SCHEMA_NAMES.coordinatorDecision) {
        if (call.user.includes('### iteration')) return done;
        await planGate;
        return plan(['a']);
      }
      if (toolResults(call).length === 0) return ScriptedModel.callTools({ name: 'stats', arguments: { campaign: 'spring' } }, { name: 'stats', arguments: { campaign: 'autumn' } });
      return answer(`used ${toolResults(call).length} results`);
    });
    const mesh = await startInProcessMesh(env, model, { tracing });
    try {
      const networkId = await analyticsNetwork(mesh, ['stats']);
      await register(networkId, httpTool(service.url, 'stats', 'GET', '/stats/{campaign}'));
      const taskId = await mesh.submit(networkId, { task: 'How did the campaigns do?' });
      const events: TaskEvent[] = [];
      const unsubscribe = await mesh.runtime.events.subscribe(taskId, (event) => events.push(event));
      listening();
      const task = await mesh.waitForTask(taskId);
      await unsubscribe();
      expect(task.status).toBe('completed');
      // The coordinator planned knowing the specialist's tools.
      const planning = model.calls.find((c) => c.schemaName === SCHEMA_NAMES.coordinatorDecision)!;
      expect(planning.user).toMatch(/"tools": \[\s*"stats"\s*\]/);
      // SSE gets each call's start and end.
      const toolEvents = events.flatMap((e) => (e.type === 'tool.call' ? [e.status] : []));
      expect(toolEvents.sort()).toEqual(['completed', 'completed', 'running', 'running']);
      const [subtask] = task.subtasks!;
      expect(subtask!.result).toBe('used 2 results');

      // Both calls reached the service, the second before the first answered (80 ms each).
      const reads = service.hits.filter((h) => h.method === 'GET');
      expect(reads.map((h) => h.url).sort()).toEqual(['/stats/autumn', '/stats/spring']);
      expect(Math.abs(reads[0]!.at - reads[1]!.at)).toBeLessThan(60);
      // A read has no idempotency key.
      expect(reads.every((h) => h.idempotencyKey === undefined)).toBe(true);

      // The model got both results back, as data, under the calls' ids.
      const second = model.calls.filter((c) => c.schemaName === SCHEMA_NAMES.agentOutput)[1]!;
      expect(second.tools).toEqual(['stats']);
      const results = toolResults(second);
      expect(results).toHaveLength(2);
      expect(results.every((r) => !r.isError && r.content.includes('<data name="tool result stats">') && r.content.includes('open_rate'))).toBe(true);
      expect(second.system).toContain('Your tools: stats');

      // Recorded in Postgres and shown on the subtask, in the order the model asked.
      expect(subtask!.tool_calls.map((c) => [c.tool, c.status, c.arguments])).toEqual([
        ['stats', 'completed', { campaign: 'spring' }],
        ['stats', 'completed', { campaign: 'autumn' }],
      ]);
      expect(subtask!.tool_calls[0]!.idempotency_key).toBe(toolCallIdempotencyKey(subtask!.id, 0));
      expect(subtask!.tool_calls.every((c) => (c.duration_ms ?? 0) >= 70)).toBe(true);

      // One span per call, metrics per tool and outcome.
      const spans = exporter.getFinishedSpans().filter((s) => s.name === 'tool stats');
      expect(spans).toHaveLength(2);
      expect(sampleValue((await mesh.runtime.metrics.render()).body, 'mesh_tool_calls_total', { tool: 'stats', outcome: 'completed' })).toBe(2);
    } finally {
      await mesh.close();
      await tracing.shutdown();
      await service.close();
    }
  });

  it('gives a failing tool back to the model as an error result, and the subtask goes on', async () => {
    const service = await startService();
    const model = new ScriptedModel((_req, call) => {
      if (call.schemaName === SCHEMA_NAMES.coordinatorDecision) return call.user.includes('### iteration') ? done : plan(['a']);
      if (toolResults(call).length === 0) return ScriptedModel.callTools({ name: 'broken', arguments: {} }, { name: 'nonexistent', arguments: {} });
      const results = toolResults(call);
      return answer(results.map((r) => `${r.name}:${r.isError ? 'error' : 'ok'}`).join(','));
    });
    const mesh = await startInProcessMesh(env, model);
    try {
      const networkId = await analyticsNetwork(mesh, ['broken']);
      await register(networkId, httpTool(service.url, 'broken', 'GET', '/broken'));
      const task = await mesh.waitForTask(await mesh.submit(networkId, { task: 'Try the broken tool' }));
      expect(task.status).toBe('completed');
      const subtask = task.subtasks![0]!;
      expect(subtask.result).toBe('broken:error,nonexistent:error');
      // The failed call is recorded; the unknown tool ran nothing and has no record.
      expect(subtask.tool_calls.map((c) => [c.tool, c.status])).toEqual([['broken', 'failed']]);
      expect(subtask.tool_calls[0]!.error).toMatch(/500/);
    } finally {
      await mesh.close();
      await service.close();
    }
  });

  it('stops a model that keeps calling tools after MESH_TOOL_MAX_ROUNDS rounds', async () => {
    const service = await startService();
    const model = new ScriptedModel((req, call) => {
      if (call.schemaName === SCHEMA_NAMES.coordinatorDecision) return call.user.includes('### iteration') ? done : plan(['a']);
      // Ignores tool choice 'none' on purpose.
      return ScriptedModel.callTools({ name: 'stats', arguments: { campaign: `round-${toolResults(call).length}` } });
    });
    const mesh = await startInProcessMesh(env, model);
    try {
      const networkId = await analyticsNetwork(mesh, ['stats']);
      await register(networkId, httpTool(service.url, 'stats', 'GET', '/stats/{campaign}'));
      const task = await mesh.waitForTask(await mesh.submit(networkId, { task: 'Loop forever' }));
      const subtask = task.subtasks![0]!;
      expect(subtask.status).toBe('failed');
      expect(subtask.error).toMatch(/kept calling tools after 2 rounds \(MESH_TOOL_MAX_ROUNDS\)/);
      // Two rounds ran; the third turn was asked to answer (tools still offered, choice none).
      expect(service.hits.filter((h) => h.method === 'GET')).toHaveLength(2);
      const turns = model.calls.filter((c) => c.schemaName === SCHEMA_NAMES.agentOutput && c.subtaskId === subtask.id);
      expect(turns).toHaveLength(3);
    } finally {
      await mesh.close();
      await service.close();
    }
  });

  it('replays the recorded calls of a retried subtask: a finished side effect is not repeated', async () => {
    const service = await startService();
    let attempt = 0;
    const model = new ScriptedModel((_req, call) => {
      if (call.schemaName === SCHEMA_NAMES.coordinatorDecision) return call.user.includes('### iteration') ? done : plan(['a']);
      const results = toolResults(call);
      if (results.length === 0) return ScriptedModel.callTools({ name: 'order', arguments: { sku: 'A1' } });
      if (results.length === 1) return ScriptedModel.callTools({ name: 'order', arguments: { sku: 'B2' } });
      // The first attempt dies after both orders were placed and recorded (the job is retried).
      attempt += 1;
      if (attempt === 1) throw new Error('worker lost its connection');
      return answer(results.map((r) => (r.content.includes('placed') ? 'placed' : r.content)).join(','));
    });
    const mesh = await startInProcessMesh(env, model);
    try {
      const networkId = await analyticsNetwork(mesh, ['order']);
      await register(networkId, httpTool(service.url, 'order', 'POST', '/orders'));
      const task = await mesh.waitForTask(await mesh.submit(networkId, { task: 'Place two orders' }), 30_000);
      expect(task.status).toBe('completed');
      const subtask = task.subtasks![0]!;
      expect(subtask.result).toBe('placed,placed');
      expect(subtask.attempts).toBeGreaterThanOrEqual(2);
      // Each order reached the service once, with its own stable key.
      const orders = service.hits.filter((h) => h.method === 'POST');
      expect(orders.map((h) => JSON.parse(h.body).sku)).toEqual(['A1', 'B2']);
      expect(orders.map((h) => h.idempotencyKey)).toEqual([toolCallIdempotencyKey(subtask.id, 0), toolCallIdempotencyKey(subtask.id, 1)]);
      // The retried attempt's conversation was rebuilt from the journal: its one model turn already
      // held both rounds (three turns on the first attempt, one on the second).
      const turns = model.calls.filter((c) => c.schemaName === SCHEMA_NAMES.agentOutput);
      expect(turns).toHaveLength(4);
      expect(toolResults(turns[3]!)).toHaveLength(2);
      expect(sampleValue((await mesh.runtime.metrics.render()).body, 'mesh_tool_calls_total', { tool: 'order', outcome: 'replayed' })).toBe(2);
      const recorded = await env.store.toolCalls.journal({ tenantId: 'tenant-a', taskId: task.id }).list(subtask.id);
      expect(recorded.map((r) => [r.round, r.status])).toEqual([[0, 'completed'], [1, 'completed']]);
    } finally {
      await mesh.close();
      await service.close();
    }
  });
});
