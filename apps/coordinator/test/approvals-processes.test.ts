/**
 * Human in the loop across real processes (API ×2, coordinator, worker from dist; real Redis and
 * Postgres; the Anthropic SDK talking to the fake provider). Each kind of request end to end with
 * edits and rejections; every process killed with SIGKILL while a task waits, then a decision
 * after the restart; two API replicas receiving the same decision at once; the SSE events and the
 * signed `approval.requested` webhook.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createApiClient,
  createTestEnv,
  fakeToolCalls,
  freePort,
  launchApp,
  meshFakeResponder,
  startFakeProviderServer,
  waitFor,
  type ApiClient,
  type FakeProviderServer,
  type LaunchedProcess,
  type MeshFakeRequest,
  type TestEnv,
} from '@mesh/testing';
import { SseParser, type SseEvent } from '@mesh/client';
import { verifyWebhookSignature } from '@mesh/webhooks';

const SECRET = 'approvals-webhook-secret-0123456789';
const KEY = 'key-tenant-a-123';

interface Service {
  url: string;
  bodies: { path: string; body: any; headers: IncomingHttpHeaders }[];
  close(): Promise<void>;
}

/** An orders service and webhook receiver in one: every request is kept. */
async function startService(): Promise<Service> {
  const bodies: Service['bodies'] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      bodies.push({ path: req.url ?? '', body: raw ? JSON.parse(raw) : null, headers: { ...req.headers, 'x-raw-body': raw } });
      res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ order: `o-${bodies.length}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bodies,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let env: TestEnv;
let fake: FakeProviderServer;
let service: Service;
let api: ApiClient;
let replica: ApiClient;
let script: (req: MeshFakeRequest) => unknown = () => undefined;
const processes = new Map<string, LaunchedProcess>();

async function start(name: 'api' | 'api-2' | 'coordinator' | 'worker', ports: { api: number; replica: number }): Promise<void> {
  const app = name === 'api-2' ? 'api' : name;
  const proc = await launchApp(app, { ...env.env, ...(name === 'api-2' ? { PORT: String(ports.replica) } : {}) }, { name, ...(app === 'worker' ? { args: ['--agents', 'all'] } : {}) });
  processes.set(name, proc);
}

let ports: { api: number; replica: number };

const plan = (keys: string[]) => ({
  task_complete: false,
  reasoning: 'the plan',
  subtasks: keys.map((key) => ({ key, agent_type: 'analytics', description: `do ${key}`, depends_on: [] })),
  new_memories: [],
  result: null,
});
const complete = (content: string) => ({ task_complete: true, reasoning: 'done', subtasks: [], new_memories: [], result: { content, confidence: 0.9, explanation: 'e' } });
const agentAnswer = (result: string) => ({ reasoning: 'r', result, confidence: 0.8, suggested_memories: [] });

beforeAll(async () => {
  [fake, service] = await Promise.all([startFakeProviderServer(), startService()]);
  fake.respondWith('anthropic', meshFakeResponder((req) => script(req)));
  ports = { api: await freePort(), replica: await freePort() };
  env = await createTestEnv('approvals-processes', {
    PORT: String(ports.api),
    MESH_LLM_PROVIDER: 'live',
    ANTHROPIC_API_KEY: 'sk-ant-approvals-test-0001',
    ANTHROPIC_BASE_URL: fake.baseUrls.anthropic,
    MESH_MODEL_CHAIN: 'anthropic:claude-sonnet-4-5',
    MESH_LLM_RETRIES: '0',
    MESH_TOOL_ALLOWED_HOSTS: '127.0.0.1',
    MESH_WEBHOOK_SECRET: SECRET,
    MESH_WEBHOOK_ALLOW_PRIVATE: 'true',
    MESH_JOB_LOCK_MS: '2000',
    MESH_STALLED_INTERVAL_MS: '1000',
    MESH_AGENT_DISCOVERY_MS: '300',
    MESH_SWEEP_INTERVAL_MS: '500',
    MESH_SHUTDOWN_GRACE_MS: '3000',
  });
  api = createApiClient(`http://127.0.0.1:${ports.api}`, KEY);
  replica = createApiClient(`http://127.0.0.1:${ports.replica}`, KEY);
  await Promise.all((['api', 'api-2', 'coordinator', 'worker'] as const).map((name) => start(name, ports)));
}, 60_000);

afterEach(() => {
  script = () => undefined;
});

afterAll(async () => {
  await Promise.all([...processes.values()].map((p) => p.stop(5_000)));
  await Promise.all([fake?.close(), service?.close()]);
  await env?.cleanup();
});

async function network(body: Record<string, unknown>): Promise<string> {
  const res = await api.request('POST', '/networks', {
    name: 'Approvals',
    agents: [{ name: 'Coordinator', type: 'coordinator' }, { name: 'Analytics Specialist', type: 'analytics' }],
    ...body,
  });
  expect({ status: res.status, body: res.body }).toMatchObject({ status: 201 });
  return res.body.network_id as string;
}

async function submit(networkId: string, body: Record<string, unknown> = {}): Promise<string> {
  const res = await api.request('POST', `/networks/${networkId}/tasks`, { task: 'Run the campaign', process: true, ...body });
  expect(res.status).toBe(201);
  return res.body.task_id as string;
}

async function pending(networkId: string, taskId: string, kind: string): Promise<any> {
  return waitFor(
    `a pending ${kind} approval`,
    async () => {
      const res = await api.request('GET', `/networks/${networkId}/tasks/${taskId}/approvals`);
      return (res.body.approvals as any[]).find((a) => a.status === 'pending' && a.kind === kind);
    },
    20_000,
  );
}

async function waitForStatus(networkId: string, taskId: string, status: string): Promise<any> {
  return waitFor(
    `task ${status}`,
    async () => {
      const res = await api.request('GET', `/networks/${networkId}/tasks/${taskId}`);
      return res.body.status === status ? res.body : undefined;
    },
    30_000,
  );
}

async function finished(networkId: string, taskId: string): Promise<any> {
  return (await api.request('GET', `/networks/${networkId}/tasks/${taskId}?wait=40`)).body;
}

/** The task's event stream, read in the background: `until` resolves with every event so far once one matches. */
async function openEvents(path: string): Promise<{ until(match: (e: SseEvent) => boolean, timeoutMs: number): Promise<SseEvent[]> }> {
  const controller = new AbortController();
  const res = await fetch(`${api.url}/api/mesh${path}`, { headers: { authorization: `Bearer ${KEY}`, accept: 'text/event-stream' }, signal: controller.signal });
  expect(res.status).toBe(200);
  const seen: SseEvent[] = [];
  const parser = new SseParser();
  const decoder = new TextDecoder();
  const reading = (async () => {
    const reader = res.body!.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      seen.push(...parser.push(decoder.decode(value, { stream: true })));
    }
  })().catch(() => undefined);
  return {
    async until(match, timeoutMs) {
      try {
        return await waitFor('an event', async () => (seen.some(match) ? [...seen] : undefined), timeoutMs);
      } finally {
        controller.abort();
        await reading;
      }
    },
  };
}

const decide = (client: ApiClient, networkId: string, approvalId: string, body: Record<string, unknown>) => client.request('POST', `/networks/${networkId}/approvals/${approvalId}`, body);

describe('approvals across processes', () => {
  it('plan, tool call and result: edits and rejections through the API; the webhook and the events tell of each request', async () => {
    script = (req) => {
      if (req.kind === 'coordinator_decision') return req.iteration === 1 ? plan(['buy', 'report']) : complete(`final ${req.iteration}`);
      const results = req.request.toolResults.map((r) => r.content);
      if (req.block('subtask') === 'place the order' && results.length === 0) return fakeToolCalls({ name: 'order', arguments: { sku: 'A1', quantity: 500 } });
      return agentAnswer(`done: ${results.join(' | ')}`);
    };
    const networkId = await network({ approvals: { plan: true, tool_calls: 'side_effects', result: true } });
    const tool = await api.request('POST', `/networks/${networkId}/tools`, {
      tool: {
        kind: 'http',
        name: 'order',
        description: 'Places an order',
        input_schema: { type: 'object', properties: { sku: { type: 'string' }, quantity: { type: 'integer', maximum: 1000 } }, required: ['sku', 'quantity'], additionalProperties: false },
        request: { method: 'POST', url: `${service.url}/orders` },
      },
    });
    expect(tool.status).toBe(201);
    const agents = await api.request('GET', `/networks/${networkId}/agents`);
    const analytics = (agents.body.agents as any[]).find((a) => a.type === 'analytics');
    await api.request('DELETE', `/networks/${networkId}/agents/${analytics.agent_id}`);
    expect((await api.request('POST', `/networks/${networkId}/agents`, { agent_config: { name: 'Analytics Specialist', type: 'analytics', tools: ['order'] } })).status).toBe(201);

    // Stored first, watched, then started: the stream sees every event.
    const taskId = await submit(networkId, { callback_url: `${service.url}/hooks`, process: false });
    const events = await openEvents(`/networks/${networkId}/tasks/${taskId}/events`);
    expect((await api.request('POST', `/networks/${networkId}/tasks/${taskId}/process`)).status).toBe(202);

    // 1. The plan: edited to one subtask that places the order.
    const planApproval = await pending(networkId, taskId, 'plan');
    const waiting = await waitForStatus(networkId, taskId, 'awaiting_approval');
    expect(waiting.awaiting_since).not.toBeNull();
    const badEdit = await decide(api, networkId, planApproval.approval_id, { decision: 'approve', edits: { subtasks: [{ key: 'x', agent_type: 'nobody', description: 'd', depends_on: [] }] } });
    expect(badEdit.status).toBe(400);
    expect(JSON.stringify(badEdit.body.error.details)).toContain('nobody');
    const approved = await decide(api, networkId, planApproval.approval_id, {
      decision: 'approve',
      comment: 'one subtask',
      decided_by: 'maria',
      edits: { subtasks: [{ key: 'buy', agent_type: 'analytics', description: 'place the order', depends_on: [] }] },
    });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'approved', decided_by: 'maria', comment: 'one subtask' });

    // 2. The tool call: its arguments edited (checked against the tool's schema first).
    const call = await pending(networkId, taskId, 'tool_call');
    expect(call.subject).toMatchObject({ tool: 'order', arguments: { sku: 'A1', quantity: 500 }, side_effects: true, subtask_key: 'buy' });
    await waitForStatus(networkId, taskId, 'awaiting_approval');
    expect(service.bodies.filter((b) => b.path === '/orders')).toHaveLength(0);
    const tooMany = await decide(api, networkId, call.approval_id, { decision: 'approve', edits: { arguments: { sku: 'A1', quantity: 5000 } } });
    expect(tooMany.status).toBe(400);
    expect((await decide(api, networkId, call.approval_id, { answer: 'yes' })).status).toBe(400);
    expect((await decide(api, networkId, call.approval_id, { decision: 'approve', edits: { arguments: { sku: 'A1', quantity: 50 } } })).status).toBe(200);

    // 3. The result: rejected once (another iteration runs with the comment), then approved with an edit.
    const firstResult = await pending(networkId, taskId, 'result');
    expect(firstResult.subject.result.content).toBe('final 2');
    expect((await decide(api, networkId, firstResult.approval_id, { decision: 'reject', comment: 'mention the order' })).status).toBe(200);
    const secondResult = await pending(networkId, taskId, 'result');
    expect(secondResult.subject.result.content).toBe('final 3');
    expect((await decide(api, networkId, secondResult.approval_id, { decision: 'approve', edits: { content: 'Order o-1 placed.' } })).status).toBe(200);

    const task = await finished(networkId, taskId);
    expect(task).toMatchObject({ status: 'completed', result: { content: 'Order o-1 placed.' }, iterations: 3 });
    expect(task.human_feedback).toEqual([{ kind: 'result', iteration: 2, status: 'rejected', comment: 'mention the order' }]);
    expect(service.bodies.filter((b) => b.path === '/orders').map((b) => b.body)).toEqual([{ sku: 'A1', quantity: 50 }]);
    expect(task.subtasks.map((s: any) => [s.key, s.status, s.tool_calls.map((c: any) => c.status)])).toEqual([['buy', 'completed', ['completed']]]);

    // The events: each request and each decision, in order.
    const seen = await events.until((e) => e.event === 'end', 10_000);
    const approvalEvents = seen.filter((e) => e.event.startsWith('approval.')).map((e) => [e.event, JSON.parse(e.data).kind, JSON.parse(e.data).status ?? 'pending']);
    expect(approvalEvents).toEqual([
      ['approval.requested', 'plan', 'pending'],
      ['approval.decided', 'plan', 'approved'],
      ['approval.requested', 'tool_call', 'pending'],
      ['approval.decided', 'tool_call', 'approved'],
      ['approval.requested', 'result', 'pending'],
      ['approval.decided', 'result', 'rejected'],
      ['approval.requested', 'result', 'pending'],
      ['approval.decided', 'result', 'approved'],
    ]);
    expect(seen.some((e) => e.event === 'task.status' && JSON.parse(e.data).status === 'awaiting_approval')).toBe(true);

    // The webhooks: one signed approval.requested per request, then the completion.
    const hooks = await waitFor('five webhooks', async () => {
      const received = service.bodies.filter((b) => b.path === '/hooks');
      return received.length >= 5 ? received : undefined;
    });
    expect(hooks.map((h) => [h.body.event, h.body.approval?.kind])).toEqual([
      ['approval.requested', 'plan'],
      ['approval.requested', 'tool_call'],
      ['approval.requested', 'result'],
      ['approval.requested', 'result'],
      ['task.completed', undefined],
    ]);
    for (const hook of hooks) expect(verifyWebhookSignature(SECRET, hook.headers['x-raw-body'] as string, hook.headers['x-mesh-signature'] as string)).toBe(true);
    expect(hooks[1]!.body.approval.subject.arguments).toEqual({ sku: 'A1', quantity: 500 });
  }, 90_000);

  it('kill -9 of the coordinator and the worker while a task waits; after the restart a question is answered and the task completes', async () => {
    script = (req) => {
      if (req.kind === 'coordinator_decision') return req.iteration === 1 ? plan(['ask']) : complete(`answered: ${req.block('results') ?? ''}`);
      const results = req.request.toolResults.map((r) => r.content);
      if (results.length === 0) return fakeToolCalls({ name: 'ask_human', arguments: { question: 'Which region first?' } });
      return agentAnswer(`region: ${results.join('')}`);
    };
    const networkId = await network({ approvals: { questions: true }, timeout_seconds: 5 });
    const taskId = await submit(networkId);
    const question = await pending(networkId, taskId, 'question');
    expect(question.subject).toMatchObject({ question: 'Which region first?', subtask_key: 'ask' });
    await waitForStatus(networkId, taskId, 'awaiting_approval');

    for (const name of ['coordinator', 'worker'] as const) {
      const proc = processes.get(name)!;
      proc.kill('SIGKILL');
      expect((await proc.exited).signal).toBe('SIGKILL');
    }
    // Longer than the task's timeout: waiting for a person is not task time.
    await new Promise((r) => setTimeout(r, 6_000));
    await Promise.all([start('coordinator', ports), start('worker', ports)]);
    expect((await api.request('GET', `/networks/${networkId}/tasks/${taskId}`)).body.status).toBe('awaiting_approval');

    // The same decision reaches both API replicas at once: exactly one wins.
    const answers = await Promise.all([decide(api, networkId, question.approval_id, { answer: 'EMEA' }), decide(replica, networkId, question.approval_id, { answer: 'APAC' })]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    const winner = answers.find((a) => a.status === 200)!.body.answer as string;
    const loser = answers.find((a) => a.status === 409)!;
    expect(loser.body.error.message).toMatch(/already decided/);

    const task = await finished(networkId, taskId);
    expect(task.status).toBe('completed');
    expect(task.subtasks[0].result).toContain(winner);
    expect(task.subtasks[0].result).not.toContain(winner === 'EMEA' ? 'APAC' : 'EMEA');
    expect(task.waited_ms).toBeGreaterThanOrEqual(6_000);
  }, 90_000);

  it('bad input and conflicts: unknown decision, another tenant, a cancelled task, PATCH settings', async () => {
    const networkId = await network({ approvals: { plan: true } });
    const taskId = await submit(networkId);
    const approval = await pending(networkId, taskId, 'plan');
    const path = `/networks/${networkId}/approvals/${approval.approval_id}`;
    expect((await api.request('POST', path, { decision: 'maybe' })).status).toBe(400);
    expect((await api.request('POST', path, { decision: 'reject', edits: { subtasks: [] } })).status).toBe(400);
    expect((await api.request('POST', path, { decision: 'approve', status: 'approved' })).status).toBe(400);
    const other = createApiClient(`http://127.0.0.1:${ports.api}`, 'key-tenant-b-456');
    expect((await other.request('POST', path, { decision: 'approve' })).status).toBe(404);
    expect((await other.request('GET', path)).status).toBe(404);
    expect((await api.request('GET', path)).body.status).toBe('pending'); // nothing changed

    expect((await api.request('POST', `/networks/${networkId}/tasks/${taskId}/cancel`)).status).toBe(200);
    const afterCancel = await api.request('POST', path, { decision: 'approve' });
    expect(afterCancel.status).toBe(409);
    expect((await api.request('GET', path)).body).toMatchObject({ status: 'expired' });
    expect((await api.request('GET', `/networks/${networkId}/approvals?status=pending`)).body.approvals).toEqual([]);

    const patched = await api.request('PATCH', `/networks/${networkId}`, { approvals: { result: true }, approval_timeout_seconds: 60 });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ approvals: { plan: true, result: true, tool_calls: 'none', questions: false }, approval_timeout_seconds: 60 });
    expect((await api.request('PATCH', `/networks/${networkId}`, {})).status).toBe(400);
    expect((await api.request('PATCH', `/networks/${networkId}`, { approvals: { tool_calls: 'some' } })).status).toBe(400);
    // A task may narrow its network's settings: this one is not asked about its plan.
    script = (req) => (req.kind === 'coordinator_decision' ? complete('at once') : undefined);
    const narrowed = await submit(networkId, { approvals: { plan: false, result: false } });
    expect(await finished(networkId, narrowed)).toMatchObject({ status: 'completed', approvals: { plan: false, result: false } });
  }, 60_000);
});
