import { PassThrough } from 'node:stream';
import { AgentWorkerPool, createRuntime, startCoordinatorWorker, type Runtime } from '@mesh/host';
import { agentJobHandlers, coordinatorJobs, createEngine, meshSimulatedResponders } from '@mesh/mesh';
import { createLogger, InMemorySpanExporter, initTracing, nullLogger, type ReadableSpan, type Tracing } from '@mesh/observability';
import { createTestEnv, type TestEnv } from '@mesh/testing';
import type { Worker } from 'bullmq';
import { closeApiDeps, createApiDeps, type ApiDeps } from '../src/api-deps';
import { startApiServer, type ApiServer } from '../src/server';
import { client, SEED } from './api-harness';

/**
 * The API, a coordinator and a worker, each with its own tracer (service name) as if they were
 * separate processes; what links them is only the W3C context carried in job data through Redis.
 */
let t: TestEnv;
const exporter = new InMemorySpanExporter();
const tracings: Tracing[] = [];
let deps: ApiDeps;
let server: ApiServer;
let coordinatorRuntime: Runtime;
let workerRuntime: Runtime;
let coordinator: Worker;
let pool: AgentWorkerPool;
const workerLog: string[] = [];

beforeAll(async () => {
  t = await createTestEnv('tracing');
  const tracing = (serviceName: string) => {
    const made = initTracing({ serviceName, exporter });
    tracings.push(made);
    return made;
  };
  deps = await createApiDeps(t.config, nullLogger, { tracing: tracing('mesh-api') });
  server = await startApiServer(deps, { port: 0, host: '127.0.0.1', drainTimeoutMs: 0 });
  coordinatorRuntime = await createRuntime(t.config, { service: 'coordinator', logger: nullLogger, tracing: tracing('mesh-coordinator'), responders: meshSimulatedResponders });
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => workerLog.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
  workerRuntime = await createRuntime(t.config, { service: 'worker', logger: createLogger({ service: 'worker', stream }), tracing: tracing('mesh-worker'), responders: meshSimulatedResponders });
  coordinator = startCoordinatorWorker(coordinatorRuntime, coordinatorJobs(await createEngine(coordinatorRuntime)));
  pool = new AgentWorkerPool(workerRuntime, { agents: 'all', concurrency: 5, handlers: agentJobHandlers(await createEngine(workerRuntime)) });
  await pool.start();
  await coordinator.waitUntilReady();
});

afterAll(async () => {
  await pool?.close();
  await coordinator?.close();
  await workerRuntime?.close();
  await coordinatorRuntime?.close();
  await server?.close();
  if (deps) await closeApiDeps(deps);
  await Promise.all(tracings.map((x) => x.shutdown()));
  await t?.cleanup();
});

const serviceOf = (span: ReadableSpan) => String(span.resource.attributes['service.name']);

async function spansOf(traceId: string, until: (spans: ReadableSpan[]) => boolean): Promise<ReadableSpan[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
    if (until(spans) || Date.now() > deadline) return spans;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('tracing', () => {
  it('follows a task in one trace from the HTTP request through coordinator jobs, every subtask and every model call', async () => {
    const call = client(server.url);
    const network = await call('POST', '/networks', { json: SEED.network });
    const submitted = await call('POST', `/networks/${network.body.id}/tasks?wait=20`, { json: { ...SEED.task, process: true } });
    expect(submitted.status).toBe(200);
    const task = submitted.body;
    expect(task.status).toBe('completed');
    expect(task.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(submitted.headers.get('x-trace-id')).toBe(task.trace_id);

    const spans = await spansOf(task.trace_id, (s) => s.some((x) => x.name === 'POST /api/mesh/networks/:network_id/tasks'));
    expect(new Set(spans.map(serviceOf))).toEqual(new Set(['mesh-api', 'mesh-coordinator', 'mesh-worker']));

    // One tree: a single root (the submitting request) and every other span's parent in the trace.
    const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
    const roots = spans.filter((s) => !s.parentSpanContext);
    expect(roots.map((s) => `${serviceOf(s)} ${s.name}`)).toEqual(['mesh-api POST /api/mesh/networks/:network_id/tasks']);
    for (const span of spans) {
      if (span.parentSpanContext) expect({ span: span.name, parentFound: byId.has(span.parentSpanContext.spanId) }).toEqual({ span: span.name, parentFound: true });
    }
    const ancestors = (span: ReadableSpan): string[] => {
      const parent = span.parentSpanContext ? byId.get(span.parentSpanContext.spanId) : undefined;
      return parent ? [`${serviceOf(parent)} ${parent.name}`, ...ancestors(parent)] : [];
    };

    const subtaskSpans = spans.filter((s) => serviceOf(s) === 'mesh-worker' && /^agent-[a-z_-]+ subtask$/.test(s.name));
    expect(subtaskSpans).toHaveLength(task.subtasks.length);
    expect(new Set(subtaskSpans.map((s) => s.attributes['mesh.agent_type']))).toEqual(new Set(task.subtasks.map((s: { agent_type: string }) => s.agent_type)));
    for (const span of subtaskSpans) {
      expect(ancestors(span)).toEqual(expect.arrayContaining(['mesh-coordinator coordinator step', 'mesh-api POST /api/mesh/networks/:network_id/tasks']));
      expect(span.attributes['mesh.task_id']).toBe(task.id);
      expect(span.attributes['mesh.network_id']).toBe(task.network_id);
    }
    // Every model call is a span under the job that made it, with one span per provider attempt under it.
    const llmCalls = spans.filter((s) => s.name.startsWith('llm ') && !s.name.startsWith('llm attempt'));
    expect(llmCalls.filter((s) => s.name === 'llm subtask')).toHaveLength(task.subtasks.length);
    expect(llmCalls.filter((s) => s.name === 'llm plan').length).toBe(task.iterations);
    for (const span of llmCalls.filter((s) => s.name === 'llm subtask')) expect(ancestors(span)[0]).toMatch(/^mesh-worker agent-[a-z]+ subtask$/);
    const attempts = spans.filter((s) => s.name.startsWith('llm attempt simulated:'));
    expect(attempts).toHaveLength(task.usage.llm_calls);
    for (const span of attempts) expect(ancestors(span)[0]).toMatch(/^mesh-(coordinator|worker) llm (plan|subtask|finalize)$/);

    // The worker's log lines carry the task, network, agent type and the same trace id.
    const completedLines = workerLog.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l['message'] === 'subtask completed');
    expect(completedLines).toHaveLength(task.subtasks.length);
    for (const line of completedLines) {
      expect(line).toMatchObject({ task_id: task.id, network_id: task.network_id, trace_id: task.trace_id, service: 'worker' });
      expect(typeof line['agent_type']).toBe('string');
    }
  });

  it('continues the task trace stored at submit when the task is started later with /process', async () => {
    const call = client(server.url);
    const network = await call('POST', '/networks', { json: { name: 'Later' } });
    const created = await call('POST', `/networks/${network.body.id}/tasks`, { json: { task: 'Start me later' } });
    const traceId = created.body.trace_id as string;
    expect(created.headers.get('x-trace-id')).toBe(traceId);
    const processed = await call('POST', `/networks/${network.body.id}/tasks/${created.body.id}/process?wait=20`);
    expect(processed.status).toBe(200);
    expect(processed.headers.get('x-trace-id')).not.toBe(traceId);
    const spans = await spansOf(traceId, (s) => s.some((x) => x.name === 'coordinator step') && s.some((x) => x.name === 'task.start'));
    const start = spans.find((s) => s.name === 'task.start');
    expect(start?.links.map((l) => l.context.traceId)).toEqual([processed.headers.get('x-trace-id')]);
    expect(new Set(spans.map(serviceOf))).toEqual(new Set(['mesh-api', 'mesh-coordinator', 'mesh-worker']));
  });
});
