/**
 * Side effects that happen once, across real processes: API, coordinator and worker started from
 * dist, real Redis and Postgres, the Anthropic SDK talking to the fake provider. The worker is
 * killed with SIGKILL between two side-effecting tool calls, while one is in flight, and while
 * send_email waits for the SMTP server's answer; a new worker picks the subtask up. The services
 * on loopback record every request with its Idempotency-Key (or Message-ID).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  startSmtpTestServer,
  type SmtpTestServer,
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
import { emailMessageId, toolCallIdempotencyKey } from '@mesh/tools';

/** The analytics agent's model: the hang fault of the first test is aimed at it alone. */
const AGENT_MODEL = 'claude-tools-crash';
const FROM = 'Agent Mesh <mesh@campaigns.example.com>';

interface OrderHit {
  sku: string;
  key: string | undefined;
  at: number;
}

/**
 * An orders service that honours Idempotency-Key: a key it has processed gets the stored answer
 * and creates nothing. `hold` keeps the next new order open until released (the order is created
 * on release, whether or not the caller is still there).
 */
interface OrdersService {
  url: string;
  hits: OrderHit[];
  /** Orders actually created, by key (`unkeyed-<n>` for a request without one). */
  created: Map<string, { order: string; sku: string }>;
  onOrder: ((hit: OrderHit) => void) | null;
  hold(): { released: () => void };
  close(): Promise<void>;
}

async function startOrdersService(): Promise<OrdersService> {
  const service: Partial<OrdersService> = { hits: [], created: new Map(), onOrder: null };
  let holding: Promise<void> | null = null;
  let sequence = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const { sku } = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { sku: string };
      const key = req.headers['idempotency-key'] as string | undefined;
      const hit = { sku, key, at: Date.now() };
      service.hits!.push(hit);
      const known = key ? service.created!.get(key) : undefined;
      if (!known && holding) {
        const gate = holding;
        holding = null;
        await gate;
      }
      let order = known ?? (key ? service.created!.get(key) : undefined);
      if (!order) {
        order = { order: `o-${++sequence}`, sku };
        service.created!.set(key ?? `unkeyed-${sequence}`, order);
      }
      service.onOrder?.(hit);
      if (!res.destroyed) res.writeHead(known ? 200 : 201, { 'content-type': 'application/json' }).end(JSON.stringify({ ...order, status: 'placed', replayed: known !== undefined }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(service, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hold() {
      let released!: () => void;
      holding = new Promise<void>((resolve) => (released = resolve));
      return { released: () => released() };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  }) as OrdersService;
}

let env: TestEnv;
let fake: FakeProviderServer;
let orders: OrdersService;
let smtp: SmtpTestServer;
let client: ApiClient;
const processes: LaunchedProcess[] = [];
let worker: LaunchedProcess;
let script: (req: MeshFakeRequest) => unknown = () => undefined;

const plan = {
  task_complete: false,
  reasoning: 'plan',
  subtasks: [{ key: 'act', agent_type: 'analytics', description: 'act on the task', depends_on: [] }],
  new_memories: [],
  result: null,
};
const complete = { task_complete: true, reasoning: 'done', subtasks: [], new_memories: [], result: { content: 'done', confidence: 0.9, explanation: 'e' } };
const agentAnswer = (result: string) => ({ reasoning: 'r', result, confidence: 0.8, suggested_memories: [] });

/** Coordinator: one analytics subtask, then complete. The agent's turns: `agent(number of tool results so far)`. */
function scriptFor(agent: (results: string[]) => unknown): (req: MeshFakeRequest) => unknown {
  return (req) => {
    if (req.kind === 'coordinator_decision') return req.iteration === 1 ? plan : complete;
    if (req.kind === 'agent_output') return agent(req.request.toolResults.map((r) => r.content));
    return undefined;
  };
}

async function startWorker(name: string): Promise<LaunchedProcess> {
  const proc = await launchApp('worker', env.env, { args: ['--agents', 'analytics'], name });
  processes.push(proc);
  return proc;
}

async function killWorker(): Promise<void> {
  worker.kill('SIGKILL');
  expect((await worker.exited).signal).toBe('SIGKILL');
}

/** A network whose analytics agent may call `tools` (registered first, through the API). */
async function networkWithTools(registrations: Record<string, unknown>[], tools: string[]): Promise<string> {
  const network = await client.request('POST', '/networks', { name: 'Tools that act', agents: [{ name: 'Coordinator', type: 'coordinator' }] });
  expect(network.status).toBe(201);
  const networkId = network.body.network_id as string;
  for (const tool of registrations) {
    const registered = await client.request('POST', `/networks/${networkId}/tools`, { tool });
    expect({ status: registered.status, body: registered.body }).toMatchObject({ status: 201 });
  }
  const agent = await client.request('POST', `/networks/${networkId}/agents`, { agent_config: { name: 'Analytics Specialist', type: 'analytics', model: `anthropic:${AGENT_MODEL}`, tools } });
  expect({ status: agent.status, body: agent.body }).toMatchObject({ status: 201 });
  return networkId;
}

const orderTool = () => ({
  kind: 'http',
  name: 'order',
  description: 'Places an order',
  input_schema: { type: 'object', properties: { sku: { type: 'string' } }, required: ['sku'] },
  request: { method: 'POST', url: `${orders.url}/orders` },
});

async function submit(networkId: string, task: string): Promise<string> {
  const res = await client.request('POST', `/networks/${networkId}/tasks`, { task, process: true });
  expect(res.status).toBe(201);
  return res.body.task_id as string;
}

async function finishedTask(networkId: string, taskId: string): Promise<any> {
  const res = await client.request('GET', `/networks/${networkId}/tasks/${taskId}?wait=40`);
  return res.body;
}

async function toolCallRows(taskId: string): Promise<{ position: number; status: string; idempotency_key: string }[]> {
  const { rows } = await env.db.query<{ position: number; status: string; idempotency_key: string }>('SELECT position, status, idempotency_key FROM tool_calls WHERE task_id = $1 ORDER BY position', [taskId]);
  return rows;
}

const pidOf = (workerId: string | null) => Number(workerId?.split(':')[1]);

beforeAll(async () => {
  [fake, orders, smtp] = await Promise.all([startFakeProviderServer(), startOrdersService(), startSmtpTestServer()]);
  fake.respondWith('anthropic', meshFakeResponder((req) => script(req)));
  const port = await freePort();
  env = await createTestEnv('tool-crash', {
    PORT: String(port),
    MESH_LLM_PROVIDER: 'live',
    ANTHROPIC_API_KEY: 'sk-ant-tool-crash-test-0001',
    ANTHROPIC_BASE_URL: fake.baseUrls.anthropic,
    MESH_MODEL_CHAIN: 'anthropic:claude-sonnet-4-5',
    MESH_LLM_RETRIES: '0',
    MESH_TOOL_ALLOWED_HOSTS: '127.0.0.1',
    MESH_SMTP_URL: smtp.url,
    MESH_EMAIL_FROM: FROM,
    // Short locks so a killed worker's job is recovered within seconds.
    MESH_JOB_LOCK_MS: '2000',
    MESH_STALLED_INTERVAL_MS: '1000',
    MESH_AGENT_DISCOVERY_MS: '300',
    MESH_SHUTDOWN_GRACE_MS: '3000',
  });
  client = createApiClient(`http://127.0.0.1:${port}`, 'key-tenant-a-123');
  const started = await Promise.all([launchApp('api', env.env), launchApp('coordinator', env.env)]);
  processes.push(...started);
  worker = await startWorker('worker-1');
}, 60_000);

afterEach(() => {
  fake.clearFaults();
  orders.onOrder = null;
  script = () => undefined;
});

afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop(5_000)));
  await Promise.all([fake?.close(), orders?.close(), smtp?.close()]);
  await env?.cleanup();
});

describe('tool side effects across a worker crash', () => {
  it('kill -9 between two side-effecting calls: the first is replayed from the journal, the second made once, each with its own key', async () => {
    script = scriptFor((results) => {
      if (results.length === 0) return fakeToolCalls({ name: 'order', arguments: { sku: 'A1' } });
      if (results.length === 1) return fakeToolCalls({ name: 'order', arguments: { sku: 'B2' } });
      return agentAnswer(`placed ${results.map((r) => /"order":"(o-\d+)"/.exec(r)?.[1] ?? '?').join(' and ')}`);
    });
    // The model's turn after the first order hangs: the worker is killed while it waits for it.
    let held = false;
    orders.onOrder = (hit) => {
      if (hit.sku !== 'A1' || held) return;
      held = true;
      fake.inject('anthropic', { kind: 'hang' }, { times: 1, model: AGENT_MODEL });
    };
    const networkId = await networkWithTools([orderTool()], ['order']);
    const taskId = await submit(networkId, 'Place the two orders');

    await waitFor('the turn after the first order to be held', () => (fake.requestsFor('anthropic', AGENT_MODEL).some((r) => r.fault === 'hang') ? true : undefined), 20_000);
    expect(await toolCallRows(taskId)).toMatchObject([{ position: 0, status: 'completed' }]);
    expect(orders.hits.map((h) => h.sku)).toEqual(['A1']);
    const killedPid = worker.child.pid;
    await killWorker();
    worker = await startWorker('worker-2');

    const task = await finishedTask(networkId, taskId);
    expect(task.status).toBe('completed');
    const subtask = task.subtasks[0];
    expect(subtask.attempts).toBeGreaterThanOrEqual(2);
    expect(pidOf(subtask.worker_id)).toBe(worker.child.pid);
    expect(pidOf(subtask.worker_id)).not.toBe(killedPid);
    // Each order reached the service once, each with its own stable key; two orders exist.
    const keys = [toolCallIdempotencyKey(subtask.id, 0), toolCallIdempotencyKey(subtask.id, 1)];
    expect(orders.hits.map((h) => [h.sku, h.key])).toEqual([
      ['A1', keys[0]],
      ['B2', keys[1]],
    ]);
    expect(subtask.result).toBe(`placed ${orders.created.get(keys[0]!)!.order} and ${orders.created.get(keys[1]!)!.order}`);
    expect(subtask.tool_calls.map((c: any) => [c.tool, c.status, c.arguments, c.idempotency_key])).toEqual([
      ['order', 'completed', { sku: 'A1' }, keys[0]],
      ['order', 'completed', { sku: 'B2' }, keys[1]],
    ]);
    expect(await toolCallRows(taskId)).toEqual([
      { position: 0, status: 'completed', idempotency_key: keys[0] },
      { position: 1, status: 'completed', idempotency_key: keys[1] },
    ]);
  }, 45_000);

  it('kill -9 while a side-effecting call is in flight: it is repeated with the same key, the service answers the same order, and it is recorded once', async () => {
    script = scriptFor((results) => (results.length === 0 ? fakeToolCalls({ name: 'order', arguments: { sku: 'C3' } }) : agentAnswer(`got ${/"order":"(o-\d+)"/.exec(results[0]!)?.[1] ?? '?'}`)));
    const held = orders.hold();
    const before = orders.hits.length;
    const createdBefore = orders.created.size;
    const networkId = await networkWithTools([orderTool()], ['order']);
    const taskId = await submit(networkId, 'Place one order');

    await waitFor('the order to arrive', () => (orders.hits.length > before ? true : undefined), 20_000);
    expect(await toolCallRows(taskId)).toMatchObject([{ position: 0, status: 'running' }]);
    await killWorker();
    // The service finishes the order after its caller is gone.
    held.released();
    await waitFor('the held order to be created', () => (orders.created.size > createdBefore ? true : undefined));
    worker = await startWorker('worker-3');

    const task = await finishedTask(networkId, taskId);
    expect(task.status).toBe('completed');
    const subtask = task.subtasks[0];
    expect(subtask.attempts).toBeGreaterThanOrEqual(2);
    const key = toolCallIdempotencyKey(subtask.id, 0);
    // The same key twice; one order created; the repeat answered with it.
    expect(orders.hits.slice(before).map((h) => [h.sku, h.key])).toEqual([
      ['C3', key],
      ['C3', key],
    ]);
    expect(orders.created.size).toBe(createdBefore + 1);
    const order = orders.created.get(key)!;
    expect(order.sku).toBe('C3');
    expect(subtask.result).toBe(`got ${order.order}`);
    expect(subtask.tool_calls.map((c: any) => [c.tool, c.status, c.idempotency_key])).toEqual([['order', 'completed', key]]);
    expect(subtask.tool_calls[0].result).toContain('"replayed":true');
    expect(await toolCallRows(taskId)).toEqual([{ position: 0, status: 'completed', idempotency_key: key }]);
  }, 45_000);

  it('kill -9 while send_email waits for the SMTP answer: the repeat carries the same Message-ID, and the call is recorded once', async () => {
    script = scriptFor((results) =>
      results.length === 0 ? fakeToolCalls({ name: 'send_email', arguments: { to: 'ada@example.com', subject: 'Spring sale', text: 'Twenty percent off.' } }) : agentAnswer(results[0]!.includes('Email sent') ? 'sent' : results[0]!),
    );
    const held = smtp.hold();
    const networkId = await networkWithTools([], ['send_email']);
    const taskId = await submit(networkId, 'Email Ada about the sale');

    await waitFor('the message to reach the SMTP server', () => (smtp.received.length > 0 ? true : undefined), 20_000);
    await killWorker();
    held.released();
    worker = await startWorker('worker-4');

    const task = await finishedTask(networkId, taskId);
    expect(task.status).toBe('completed');
    const subtask = task.subtasks[0];
    expect(subtask.result).toBe('sent');
    const messageId = emailMessageId(toolCallIdempotencyKey(subtask.id, 0), FROM);
    // The server had taken the message when the sender died without its answer, so the resumed
    // call sends it again (its ledger has no record of it), with the same Message-ID: a receiver
    // that de-duplicates on Message-ID shows it once.
    expect(smtp.received.map(({ to, messageId: id }) => ({ to, messageId: id }))).toEqual([
      { to: ['ada@example.com'], messageId },
      { to: ['ada@example.com'], messageId },
    ]);
    expect(subtask.tool_calls.map((c: any) => [c.tool, c.status])).toEqual([['send_email', 'completed']]);
    const { rows } = await env.db.query<{ message_id: string }>('SELECT message_id FROM sent_emails');
    expect(rows.map((r) => r.message_id)).toEqual([messageId]);
    // And now that the ledger has it, nothing sends it a third time: the subtask is done.
    expect(await toolCallRows(taskId)).toMatchObject([{ position: 0, status: 'completed' }]);
  }, 45_000);
});
