/**
 * Operations across real processes (API, coordinator, worker started from dist): SSE of a task
 * run by other processes, a signed webhook, each process's /metrics and probes, traces exported
 * over OTLP to a local collector, and no secret in any process's output.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhookSignature } from '@mesh/webhooks';
import { sampleValue } from '@mesh/observability';
import { createApiClient, createTestEnv, freePort, launchApp, meshFakeResponder, startFakeProviderServer, waitFor, type ApiClient, type FakeProviderServer, type LaunchedProcess, type TestEnv } from '@mesh/testing';

const token = (prefix: string, bytes = 16) => `${prefix}${randomBytes(bytes).toString('hex')}`;
const SECRETS = {
  apiKey: token('mk_live_'),
  anthropic: token('sk-ant-api03-'),
  openai: token('sk-proj-'),
  google: `AIza${randomBytes(18).toString('base64url').slice(0, 35)}`,
  webhook: token('whsec_'),
  collector: token('otlp-token-'),
};

interface Collected {
  headers: IncomingHttpHeaders;
  body: string;
}

async function startCollector(): Promise<{ url: string; received: Collected[]; close(): Promise<void> }> {
  const received: Collected[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: { ...req.headers, 'x-path': req.url ?? '' }, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}


interface SseEvent {
  id: number;
  event: string;
  data: any;
}

/** Reads an event stream until `end` (or the stream closes), calling `onEvent` as each event arrives. */
async function readEvents(res: Response, onEvent: (e: SseEvent) => void): Promise<{ events: SseEvent[]; comments: string[] }> {
  const events: SseEvent[] = [];
  const comments: string[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let cut: number;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const fields: Record<string, string> = {};
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) comments.push(line);
        else fields[line.slice(0, line.indexOf(':'))] = line.slice(line.indexOf(':') + 1).trimStart();
      }
      if (fields['event']) {
        const e = { id: Number(fields['id']), event: fields['event'], data: JSON.parse(fields['data'] ?? 'null') };
        events.push(e);
        onEvent(e);
      }
    }
  }
  return { events, comments };
}

let env: TestEnv;
let fake: FakeProviderServer;
let collector: Awaited<ReturnType<typeof startCollector>>;
let receiver: Awaited<ReturnType<typeof startCollector>>;
let client: ApiClient;
let apiUrl: string;
let coordinatorOps: string;
let workerOps: string;
const processes: LaunchedProcess[] = [];

beforeAll(async () => {
  fake = await startFakeProviderServer({ apiKeys: { anthropic: SECRETS.anthropic, openai: SECRETS.openai, google: SECRETS.google } });
  for (const provider of ['anthropic', 'openai', 'google'] as const) fake.respondWith(provider, meshFakeResponder());
  [collector, receiver] = await Promise.all([startCollector(), startCollector()]);
  const [apiPort, coordinatorPort, workerPort] = [await freePort(), await freePort(), await freePort()];
  env = await createTestEnv('ops-processes', {
    PORT: String(apiPort),
    HOST: '127.0.0.1',
    MESH_API_KEYS: `tenant-a:${SECRETS.apiKey}`,
    MESH_LLM_PROVIDER: 'live',
    ANTHROPIC_API_KEY: SECRETS.anthropic,
    OPENAI_API_KEY: SECRETS.openai,
    GEMINI_API_KEY: SECRETS.google,
    ANTHROPIC_BASE_URL: fake.baseUrls.anthropic,
    OPENAI_BASE_URL: fake.baseUrls.openai,
    GEMINI_BASE_URL: fake.baseUrls.google,
    MESH_WEBHOOK_SECRET: SECRETS.webhook,
    MESH_WEBHOOK_ALLOW_PRIVATE: 'true',
    OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
    OTEL_EXPORTER_OTLP_HEADERS: `authorization=Bearer ${SECRETS.collector}`,
    MESH_SHUTDOWN_GRACE_MS: '5000',
  });
  apiUrl = `http://127.0.0.1:${apiPort}`;
  coordinatorOps = `http://127.0.0.1:${coordinatorPort}`;
  workerOps = `http://127.0.0.1:${workerPort}`;
  client = createApiClient(apiUrl, SECRETS.apiKey);
  processes.push(
    ...(await Promise.all([
      launchApp('api', env.env, { logLevel: 'debug' }),
      launchApp('coordinator', { ...env.env, METRICS_PORT: String(coordinatorPort) }, { logLevel: 'debug' }),
      launchApp('worker', { ...env.env, METRICS_PORT: String(workerPort) }, { logLevel: 'debug', args: ['--agents', 'all'] }),
    ])),
  );
});

afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop(5_000)));
  await Promise.all([fake?.close(), collector?.close(), receiver?.close()]);
  await env?.cleanup();
});

describe('operations across processes', () => {
  it('streams, announces, measures and traces a task run by other processes, then drains on SIGTERM without leaking a secret', async () => {
    // Readiness: the coordinator and worker answer their probes, and health sees them through heartbeats.
    for (const base of [coordinatorOps, workerOps]) {
      expect((await fetch(`${base}/livez`)).status).toBe(200);
      await waitFor(`${base}/readyz`, async () => ((await fetch(`${base}/readyz`)).status === 200 ? true : undefined));
    }
    const health = await waitFor('workers in health', async () => {
      const res = await client.request('GET', '/health');
      return res.body.status === 'ok' ? res.body : undefined;
    });
    expect(health.workers.map((w: { kind: string }) => w.kind).sort()).toEqual(['coordinator', 'worker']);

    const network = await client.request('POST', '/networks', { name: 'Ops network' });
    const networkId = network.body.id as string;
    const created = await client.request('POST', `/networks/${networkId}/tasks`, {
      task: 'Write a launch email for TechPro X1',
      context: { audience: 'developers' },
      callback_url: `${receiver.url}/hooks/mesh`,
    });
    expect(created.status).toBe(201);
    const taskId = created.body.id as string;

    // SSE (Basic auth, as a browser sends it): snapshot first, then events as the other processes work, then end.
    const basic = `Basic ${Buffer.from(`console:${SECRETS.apiKey}`).toString('base64')}`;
    const stream = await fetch(`${apiUrl}/api/mesh/networks/${networkId}/tasks/${taskId}/events`, { headers: { authorization: basic } });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    let sawSnapshot!: () => void;
    const snapshotSeen = new Promise<void>((resolve) => (sawSnapshot = resolve));
    const reading = readEvents(stream, (e) => e.event === 'snapshot' && sawSnapshot());
    await snapshotSeen;
    expect((await client.request('POST', `/networks/${networkId}/tasks/${taskId}/process`)).status).toBe(202);
    const { events } = await reading;

    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    expect(events[0]).toMatchObject({ event: 'snapshot', data: { id: taskId, status: 'pending', subtasks: [] } });
    const last = events[events.length - 1]!;
    expect(last.event).toBe('end');
    const task = last.data;
    expect(task).toMatchObject({ id: taskId, status: 'completed', trace_id: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(task.result.content).toEqual(expect.any(String));
    expect(task.subtasks.length).toBeGreaterThan(0);
    const taskStatuses = events.filter((e) => e.event === 'task.status').map((e) => e.data.status);
    expect(taskStatuses[0]).toBe('queued');
    expect(taskStatuses[taskStatuses.length - 1]).toBe('completed');
    expect(new Set(taskStatuses)).toEqual(new Set(['queued', 'in_progress', 'completed']));
    expect(events[events.length - 2]).toMatchObject({ event: 'task.status', data: { type: 'task.status', task_id: taskId, status: 'completed' } });
    for (const subtask of task.subtasks as { id: string; agent_type: string; status: string }[]) {
      const statuses = events.filter((e) => e.event === 'subtask.status' && e.data.subtask_id === subtask.id).map((e) => e.data.status);
      expect({ subtask: subtask.agent_type, started: statuses.indexOf('in_progress') >= 0, last: statuses[statuses.length - 1] }).toEqual({
        subtask: subtask.agent_type,
        started: true,
        last: 'completed',
      });
      expect(statuses.indexOf('in_progress')).toBeLessThan(statuses.indexOf('completed'));
    }

    // The webhook: one signed POST from the coordinator process.
    const delivery = await waitFor('the webhook', () => receiver.received.find((r) => r.headers['x-path'] === '/hooks/mesh'));
    expect(verifyWebhookSignature(SECRETS.webhook, delivery.body, delivery.headers['x-mesh-signature'] as string)).toBe(true);
    expect(delivery.headers['x-mesh-event']).toBe('task.completed');
    expect(JSON.parse(delivery.body)).toMatchObject({ event: 'task.completed', task: { id: taskId, status: 'completed', trace_id: task.trace_id } });

    // Every process's /metrics: the API's behind its key (MESH_METRICS_AUTH defaults to true); the
    // coordinator's and worker's METRICS_PORT servers are internal ports without auth.
    const scrape = async (url: string, headers: Record<string, string> = {}) => {
      const res = await fetch(`${url}/metrics`, { headers });
      expect({ url, status: res.status }).toEqual({ url, status: 200 });
      return res.text();
    };
    expect((await fetch(`${apiUrl}/metrics`)).status).toBe(401);
    const [apiMetrics, coordinatorMetrics, workerMetrics] = [await scrape(apiUrl, { authorization: basic }), await scrape(coordinatorOps), await scrape(workerOps)];
    expect(sampleValue(apiMetrics, 'mesh_tasks_total', { status: 'queued', service: 'api' })).toBe(1);
    expect(sampleValue(apiMetrics, 'mesh_queue_jobs', { queue: 'agent-content', state: 'waiting' })).toBe(0);
    expect(sampleValue(coordinatorMetrics, 'mesh_tasks_total', { status: 'completed', service: 'coordinator' })).toBe(1);
    expect(sampleValue(coordinatorMetrics, 'mesh_webhook_deliveries_total', { outcome: 'delivered' })).toBe(1);
    expect(sampleValue(workerMetrics, 'mesh_subtask_duration_seconds_count', { status: 'completed', service: 'worker' })).toBe(task.subtasks.length);
    const workerCalls = sampleValue(workerMetrics, 'mesh_llm_requests_total', { outcome: 'success' }) ?? 0;
    const coordinatorCalls = sampleValue(coordinatorMetrics, 'mesh_llm_requests_total', { outcome: 'success' }) ?? 0;
    expect(workerCalls + coordinatorCalls).toBe(task.usage.llm_calls);
    expect(sampleValue(workerMetrics, 'mesh_llm_tokens_total', { direction: 'output' })).toBeGreaterThan(0);

    // Graceful stop: SIGTERM drains and every process exits 0.
    const exits = await Promise.all(processes.map((p) => p.stop(10_000)));
    expect(exits).toEqual(processes.map(() => ({ code: 0, signal: null })));

    // Traces went to the collector (flushed at shutdown): one trace for the task, spans from all three services.
    expect(collector.received.length).toBeGreaterThan(0);
    for (const r of collector.received) {
      expect(r.headers['x-path']).toBe('/v1/traces');
      expect(r.headers['authorization']).toBe(`Bearer ${SECRETS.collector}`);
    }
    const services = new Set<string>();
    for (const { body } of collector.received) {
      const payload = JSON.parse(body) as { resourceSpans: { resource: { attributes: { key: string; value: { stringValue?: string } }[] }; scopeSpans: { spans: { traceId: string }[] }[] }[] };
      for (const rs of payload.resourceSpans) {
        const service = rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
        if (rs.scopeSpans.some((ss) => ss.spans.some((s) => s.traceId === task.trace_id))) services.add(service);
      }
    }
    expect([...services].sort()).toEqual(['mesh-api', 'mesh-coordinator', 'mesh-worker']);

    // Logs: JSON, one event per line, with task, network, agent type and trace ids; no secret anywhere.
    const lines = processes.flatMap((p) => p.lines.filter((l) => l.trim() !== '').map((line) => ({ process: p.name, line })));
    const nonJson = lines.filter(({ line }) => {
      try {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        return typeof parsed['message'] !== 'string' || typeof parsed['level'] !== 'string';
      } catch {
        return true;
      }
    });
    expect(nonJson).toEqual([]);
    const entries = lines.map(({ process, line }): Record<string, unknown> => ({ process, ...(JSON.parse(line) as Record<string, unknown>) }));
    const subtaskLines = entries.filter((e) => e.process === 'worker' && e['message'] === 'subtask completed');
    expect(subtaskLines).toHaveLength(task.subtasks.length);
    for (const line of subtaskLines) expect(line).toMatchObject({ task_id: taskId, network_id: networkId, trace_id: task.trace_id, agent_type: expect.any(String) });
    expect(entries.find((e) => e.process === 'coordinator' && e['message'] === 'task completed')).toMatchObject({ task_id: taskId, network_id: networkId, trace_id: task.trace_id });
    expect(entries.find((e) => e.process === 'coordinator' && e['message'] === 'webhook delivered')).toMatchObject({ task_id: taskId, trace_id: task.trace_id });
    expect(entries.some((e) => e.process === 'api' && e['message'] === 'request' && e['route'] === '/api/mesh/networks/:network_id/tasks/:task_id/process')).toBe(true);
    const forbidden = [...Object.values(SECRETS), Buffer.from(`console:${SECRETS.apiKey}`).toString('base64')];
    const leaks = lines.filter(({ line }) => forbidden.some((secret) => line.includes(secret)));
    expect(leaks).toEqual([]);
    expect(lines.length).toBeGreaterThan(20);
  });
});
