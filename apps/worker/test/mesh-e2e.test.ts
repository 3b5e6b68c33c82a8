/**
 * The whole system across processes: API, coordinator and worker processes started from dist,
 * real Redis and Postgres, the real provider SDKs talking to the fake provider server.
 */
import { Agent, Task } from '@mesh/core';
import { createApiClient, createTestEnv, freePort, launchApp, meshFakeResponder, startFakeProviderServer, waitFor, type ApiClient, type FakeProviderServer, type LaunchedProcess, type MeshFakeRequest, type TestEnv } from '@mesh/testing';

const SEED_TASK = {
  task: 'Create an email campaign for a new product launch targeting tech professionals',
  context: {
    product_name: 'TechPro X1',
    product_description: 'Advanced AI-powered development tool',
    target_audience: 'Software developers and IT professionals',
    key_features: ['AI code completion', 'Automated testing', 'Performance optimization'],
  },
  priority: 1,
};

let env: TestEnv;
let fake: FakeProviderServer;
let client: ApiClient;
const processes: LaunchedProcess[] = [];
let workerA: LaunchedProcess;
let workerB: LaunchedProcess;
/** The current test's answers; undefined falls through to the default (simulated-style) answers. */
let script: (req: MeshFakeRequest) => unknown = () => undefined;

const plan = (subtasks: { key: string; agent_type: string; depends_on?: string[] }[]) => ({
  task_complete: false,
  reasoning: 'plan',
  subtasks: subtasks.map((s) => ({ key: s.key, agent_type: s.agent_type, description: `do ${s.key}`, depends_on: s.depends_on ?? [] })),
  new_memories: [],
  result: null,
});
const complete = (content: string) => ({ task_complete: true, reasoning: 'done', subtasks: [], new_memories: [], result: { content, confidence: 0.9, explanation: 'e' } });
const agentAnswer = (result: string, memories: string[] = []) => ({
  reasoning: 'r',
  result,
  confidence: 0.8,
  suggested_memories: memories.map((content) => ({ type: 'fact', content, confidence: 0.9 })),
});

async function startWorker(name: string, agents: string): Promise<LaunchedProcess> {
  const proc = await launchApp('worker', env.env, { args: ['--agents', agents], name });
  processes.push(proc);
  return proc;
}

/** pid of the process that ran a subtask (`worker_id` is host:pid). */
const pidOf = (workerId: string | null) => Number(workerId?.split(':')[1]);

async function createNetwork(body: Record<string, unknown> = {}): Promise<string> {
  const res = await client.request('POST', '/networks', { name: 'E2E network', ...body });
  expect(res.status).toBe(201);
  return res.body.network_id;
}


async function waitForSubtaskRunning(networkId: string, taskId: string): Promise<any> {
  return waitFor('a subtask in progress', async () => {
    const res = await client.request('GET', `/networks/${networkId}/tasks/${taskId}`);
    return res.body.subtasks?.find((s: any) => s.status === 'in_progress' && s.worker_id);
  });
}

const slowContentAgent = [{ name: 'Slow Content', type: 'content', model: 'openai:gpt-slow' }];

beforeAll(async () => {
  fake = await startFakeProviderServer();
  for (const provider of ['anthropic', 'openai', 'google'] as const) fake.respondWith(provider, meshFakeResponder((req) => script(req)));
  const port = await freePort();
  env = await createTestEnv('e2e', {
    PORT: String(port),
    MESH_LLM_PROVIDER: 'live',
    ANTHROPIC_API_KEY: 'sk-ant-e2e-test-key-0001',
    OPENAI_API_KEY: 'sk-e2e-test-key-0002',
    GEMINI_API_KEY: 'AIza-e2e-test-key-0003-xxxxxxxxxxxx',
    ANTHROPIC_BASE_URL: fake.baseUrls.anthropic,
    OPENAI_BASE_URL: fake.baseUrls.openai,
    GEMINI_BASE_URL: fake.baseUrls.google,
    // Short locks so a killed worker's job is recovered within seconds.
    MESH_JOB_LOCK_MS: '2000',
    MESH_STALLED_INTERVAL_MS: '1000',
    MESH_AGENT_DISCOVERY_MS: '300',
    MESH_SHUTDOWN_GRACE_MS: '3000',
  });
  client = createApiClient(`http://127.0.0.1:${port}`, 'key-tenant-a-123');
  const started = await Promise.all([
    launchApp('api', env.env),
    launchApp('coordinator', env.env),
    launchApp('worker', env.env, { args: ['--agents', 'content,design'], name: 'worker-a' }),
    launchApp('worker', env.env, { args: ['--agents', 'analytics,personalization'], name: 'worker-b' }),
  ]);
  processes.push(...started);
  [, , workerA, workerB] = started as [LaunchedProcess, LaunchedProcess, LaunchedProcess, LaunchedProcess];
}, 60_000);

afterEach(() => {
  fake.clearFaults();
  script = () => undefined;
});

afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop(5_000)));
  await fake?.close();
  await env?.cleanup();
});

describe('the mesh across processes', () => {
  it('runs the SEED.md example through the real SDKs on both worker processes', async () => {
    const networkId = await createNetwork({ name: 'Email Campaign Assistant', description: 'AI network for creating and optimizing email campaigns', max_iterations: 10, timeout_seconds: 300 });
    const res = await client.request('POST', `/networks/${networkId}/tasks?wait=30`, { ...SEED_TASK, process: true });
    const task = res.body;
    expect(task.status).toBe('completed');
    expect(task.iterations).toBe(2);
    expect(task.simulated).toBe(false);
    expect(task.subtasks.map((s: any) => s.agent_type).sort()).toEqual(['analytics', 'content', 'design', 'personalization']);
    const pids = new Set(task.subtasks.map((s: any) => pidOf(s.worker_id)));
    expect(pids).toEqual(new Set([workerA.child.pid, workerB.child.pid]));
    for (const s of task.subtasks) expect(s).toMatchObject({ status: 'completed', model: 'anthropic:claude-sonnet-5-5', attempts: 1 });
    expect(task.result.content).toContain('Final result for: Create an email campaign');
    expect(task.usage.llm_calls).toBe(6);
    expect(task.usage.input_tokens).toBeGreaterThan(0);
    expect(task.usage.cost_usd).toBeGreaterThan(0);
    // Every model request went through the Anthropic SDK to the fake server.
    expect(fake.requestsFor('anthropic').filter((r) => JSON.stringify(r.body).includes('TechPro X1')).length).toBeGreaterThanOrEqual(6);

    // GET task shows what the API documents, as the core Task schema describes it.
    const got = await client.request('GET', `/networks/${networkId}/tasks/${task.task_id}`);
    expect(got.status).toBe(200);
    const parsed = Task.safeParse(got.body);
    expect(parsed.error?.issues ?? []).toEqual([]);
    const shown = parsed.data!;
    expect(shown).toMatchObject({ id: task.task_id, network_id: networkId, status: 'completed', iterations: 2, max_iterations: 10, error: null });
    expect(shown.result).toEqual({ content: expect.stringContaining('Final result for:'), confidence: expect.any(Number), explanation: expect.any(String) });
    expect(shown.result!.confidence).toBeGreaterThanOrEqual(0);
    expect(shown.result!.confidence).toBeLessThanOrEqual(1);
    expect(shown.result!.explanation.length).toBeGreaterThan(0);
    expect(shown.usage).toEqual({ input_tokens: expect.any(Number), output_tokens: expect.any(Number), cost_usd: expect.any(Number), llm_calls: 6 });
    expect(Date.parse(shown.completed_at!)).toBeGreaterThanOrEqual(Date.parse(shown.started_at!));
    const agents = (await client.request('GET', `/networks/${networkId}/agents`)).body.agents.map((a: unknown) => Agent.parse(a));
    const agentIdOf = new Map(agents.map((a: Agent) => [a.type, a.id]));
    expect(shown.subtasks).toHaveLength(4);
    for (const s of shown.subtasks!) {
      expect({ key: s.key, agent_id: s.agent_id }).toEqual({ key: s.key, agent_id: agentIdOf.get(s.agent_type) });
      expect(s).toMatchObject({ iteration: 1, status: 'completed', depends_on: [], error: null, attempts: 1, model: 'anthropic:claude-sonnet-5-5' });
      expect(s.description.length).toBeGreaterThan(0);
      expect(s.result?.length).toBeGreaterThan(0);
      expect(s.confidence).toEqual(expect.any(Number));
      expect(s.confidence!).toBeGreaterThanOrEqual(0);
      expect(s.confidence!).toBeLessThanOrEqual(1);
      expect(s.worker_id).toMatch(/:\d+$/);
      expect(Date.parse(s.finished_at!)).toBeGreaterThanOrEqual(Date.parse(s.started_at!));
      expect(s.duration_ms).toEqual(expect.any(Number));
    }
  });

  it('runs dependencies in order and shares memory within the task and with the next task', async () => {
    script = (req) => {
      const task = req.block('task') ?? '';
      if (!task.startsWith('CHAIN')) return undefined;
      if (req.kind === 'coordinator_decision') {
        return req.iteration === 1 && task === 'CHAIN one'
          ? plan([{ key: 'copy', agent_type: 'content' }, { key: 'layout', agent_type: 'design', depends_on: ['copy'] }, { key: 'metrics', agent_type: 'analytics', depends_on: ['layout'] }])
          : complete(`done with ${task}`);
      }
      if (req.kind === 'agent_output') {
        const subtask = req.block('subtask');
        if (subtask === 'do copy') return agentAnswer('COPY-RESULT', ['The launch colour is ultraviolet forty-two']);
        return agentAnswer(`${subtask} result`);
      }
      return undefined;
    };
    const networkId = await createNetwork();
    const first = (await client.request('POST', `/networks/${networkId}/tasks?wait=30`, { task: 'CHAIN one', process: true })).body;
    expect(first.status).toBe('completed');
    const at = (key: string, field: string) => Date.parse(first.subtasks.find((s: any) => s.key === key)[field]);
    expect(at('layout', 'started_at')).toBeGreaterThanOrEqual(at('copy', 'finished_at'));
    expect(at('metrics', 'started_at')).toBeGreaterThanOrEqual(at('layout', 'finished_at'));
    const layoutRequest = fake.requests.find((r) => JSON.stringify(r.body).includes('do layout'));
    expect(JSON.stringify(layoutRequest?.body)).toContain('COPY-RESULT');
    expect(JSON.stringify(layoutRequest?.body)).toContain('ultraviolet forty-two');

    const second = (await client.request('POST', `/networks/${networkId}/tasks?wait=30`, { task: 'CHAIN two: which launch colour?', process: true })).body;
    expect(second.status).toBe('completed');
    const planRequest = fake.requests.find((r) => JSON.stringify(r.body).includes('CHAIN two') && JSON.stringify(r.body).includes('task_complete'));
    expect(JSON.stringify(planRequest?.body)).toContain('ultraviolet forty-two');

    const memory = await client.request('GET', `/networks/${networkId}/memory?query=launch%20colour`);
    expect(memory.body.memory[0]).toMatchObject({ content: 'The launch colour is ultraviolet forty-two', source: { kind: 'agent', task_id: first.task_id } });
  });

  it('never runs more than max_iterations and synthesises at the end', async () => {
    script = (req) => {
      if (req.block('task') !== 'LOOP forever') return undefined;
      if (req.kind === 'coordinator_decision') return plan([{ key: `k${req.iteration}`, agent_type: 'content' }]);
      if (req.kind === 'final_synthesis') return { reasoning: 'r', result: { content: 'SYNTHESIS', confidence: 0.6, explanation: 'limit' } };
      return agentAnswer('part');
    };
    const networkId = await createNetwork({ max_iterations: 2 });
    const task = (await client.request('POST', `/networks/${networkId}/tasks?wait=30`, { task: 'LOOP forever', process: true })).body;
    expect(task).toMatchObject({ status: 'completed', iterations: 2, max_iterations: 2, result: { content: 'SYNTHESIS' } });
    expect(task.subtasks.map((s: any) => s.key)).toEqual(['k1', 'k2']);
  });

  it('enforces timeout_seconds: timed_out, and the hanging provider request is cancelled', async () => {
    script = (req) => (req.kind === 'coordinator_decision' && req.iteration === 1 ? plan([{ key: 'slow', agent_type: 'content' }]) : undefined);
    fake.inject('openai', { kind: 'hang' }, { model: 'gpt-slow' });
    const networkId = await createNetwork({ timeout_seconds: 2, agents: slowContentAgent });
    const started = Date.now();
    const task = (await client.request('POST', `/networks/${networkId}/tasks?wait=30`, { task: 'Hang until the deadline', process: true })).body;
    expect(task.status).toBe('timed_out');
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(task.subtasks[0]).toMatchObject({ status: 'timed_out', error: 'task timed out while it ran' });
    await waitFor('the hanging request to be cancelled', async () => (fake.requestsFor('openai', 'gpt-slow').some((r) => r.clientClosed) ? true : undefined));
  });

  it('cancel stops a running task and cancels its model request', async () => {
    script = (req) => (req.kind === 'coordinator_decision' && req.iteration === 1 ? plan([{ key: 'slow', agent_type: 'content' }]) : undefined);
    fake.inject('openai', { kind: 'hang' }, { model: 'gpt-slow' });
    const networkId = await createNetwork({ agents: slowContentAgent });
    const sentBefore = fake.requestsFor('openai', 'gpt-slow').length;
    const taskId = (await client.request('POST', `/networks/${networkId}/tasks`, { task: 'Cancel me', process: true })).body.task_id;
    await waitForSubtaskRunning(networkId, taskId);
    // Stopped once its model request is out (a subtask is running before it has sent one: its memory comes first).
    await waitFor('the hanging request to reach the provider', async () => (fake.requestsFor('openai', 'gpt-slow').length > sentBefore ? true : undefined));
    const closedBefore = fake.requestsFor('openai', 'gpt-slow').filter((r) => r.clientClosed).length;
    const cancelled = await client.request('POST', `/networks/${networkId}/tasks/${taskId}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    await waitFor('the request to be cancelled', async () => (fake.requestsFor('openai', 'gpt-slow').filter((r) => r.clientClosed).length > closedBefore ? true : undefined));
    expect((await client.request('GET', `/networks/${networkId}/tasks/${taskId}`)).body.status).toBe('cancelled');
  });

  it('deleting the network stops its running task', async () => {
    script = (req) => (req.kind === 'coordinator_decision' && req.iteration === 1 ? plan([{ key: 'slow', agent_type: 'content' }]) : undefined);
    fake.inject('openai', { kind: 'hang' }, { model: 'gpt-slow' });
    const networkId = await createNetwork({ agents: slowContentAgent });
    const sentBefore = fake.requestsFor('openai', 'gpt-slow').length;
    const taskId = (await client.request('POST', `/networks/${networkId}/tasks`, { task: 'Delete my network', process: true })).body.task_id;
    await waitForSubtaskRunning(networkId, taskId);
    // Stopped once its model request is out (a subtask is running before it has sent one: its memory comes first).
    await waitFor('the hanging request to reach the provider', async () => (fake.requestsFor('openai', 'gpt-slow').length > sentBefore ? true : undefined));
    const closedBefore = fake.requestsFor('openai', 'gpt-slow').filter((r) => r.clientClosed).length;
    expect((await client.request('DELETE', `/networks/${networkId}`)).status).toBe(204);
    expect((await client.request('GET', `/networks/${networkId}/tasks/${taskId}`)).status).toBe(404);
    await waitFor('the request to be cancelled', async () => (fake.requestsFor('openai', 'gpt-slow').filter((r) => r.clientClosed).length > closedBefore ? true : undefined));
  });

  it('loses nothing when a worker is killed with SIGKILL mid-subtask', async () => {
    script = (req) => {
      if (!(req.block('task') ?? '').startsWith('KILL')) return undefined;
      if (req.kind === 'coordinator_decision') return req.iteration === 1 ? plan([{ key: 'survive', agent_type: 'content' }]) : complete('survived');
      if (req.kind === 'agent_output') return agentAnswer('SURVIVED', ['written exactly once after a crash']);
      return undefined;
    };
    fake.inject('openai', { kind: 'latency', ms: 2_500 }, { model: 'gpt-slow' });
    const networkId = await createNetwork({ agents: slowContentAgent });
    const taskId = (await client.request('POST', `/networks/${networkId}/tasks`, { task: 'KILL the worker', process: true })).body.task_id;
    const running = await waitForSubtaskRunning(networkId, taskId);
    expect(pidOf(running.worker_id)).toBe(workerA.child.pid);
    workerA.kill('SIGKILL');
    await workerA.exited;
    workerA = await startWorker('worker-a2', 'content,design');
    const task = (await client.request('GET', `/networks/${networkId}/tasks/${taskId}?wait=40`)).body;
    expect(task.status).toBe('completed');
    expect(task.subtasks).toHaveLength(1);
    expect(task.subtasks[0]).toMatchObject({ status: 'completed', result: 'SURVIVED' });
    expect(task.subtasks[0].attempts).toBeGreaterThanOrEqual(2);
    expect(pidOf(task.subtasks[0].worker_id)).toBe(workerA.child.pid);
    const memory = await client.request('GET', `/networks/${networkId}/memory?query=crash`);
    expect(memory.body.memory.filter((m: any) => m.content === 'written exactly once after a crash')).toHaveLength(1);
  }, 60_000);

  it('drains on SIGTERM: a worker finishes its active subtask, then exits 0', async () => {
    script = (req) => {
      if (req.block('task') !== 'DRAIN gracefully') return undefined;
      if (req.kind === 'coordinator_decision') return req.iteration === 1 ? plan([{ key: 'numbers', agent_type: 'analytics' }]) : complete('drained');
      if (req.kind === 'agent_output') return agentAnswer('FINISHED BEFORE EXIT');
      return undefined;
    };
    fake.inject('openai', { kind: 'latency', ms: 1_500 }, { model: 'gpt-slow' });
    const networkId = await createNetwork({ agents: [{ name: 'Slow Analytics', type: 'analytics', model: 'openai:gpt-slow' }] });
    const taskId = (await client.request('POST', `/networks/${networkId}/tasks`, { task: 'DRAIN gracefully', process: true })).body.task_id;
    const running = await waitForSubtaskRunning(networkId, taskId);
    expect(pidOf(running.worker_id)).toBe(workerB.child.pid);
    const drainedPid = workerB.child.pid;
    workerB.kill('SIGTERM');
    expect(await workerB.exited).toEqual({ code: 0, signal: null });
    workerB = await startWorker('worker-b2', 'analytics,personalization');
    const task = (await client.request('GET', `/networks/${networkId}/tasks/${taskId}?wait=30`)).body;
    expect(task.status).toBe('completed');
    expect(task.subtasks[0]).toMatchObject({ status: 'completed', result: 'FINISHED BEFORE EXIT', attempts: 1 });
    expect(pidOf(task.subtasks[0].worker_id)).toBe(drainedPid);
  }, 40_000);

  it('serves a custom agent type added at run time without restarting workers', async () => {
    const workerAll = await startWorker('worker-all', 'all');
    script = (req) => {
      if (req.block('task') !== 'SEO keywords please') return undefined;
      if (req.kind === 'coordinator_decision') return req.iteration === 1 ? plan([{ key: 'keywords', agent_type: 'seo' }]) : complete('seo done');
      return agentAnswer('KEYWORDS: ai code completion');
    };
    const networkId = await createNetwork();
    const added = await client.request('POST', `/networks/${networkId}/agents`, {
      agent_config: {
        name: 'SEO Specialist',
        type: 'seo',
        model: 'claude-3-7-sonnet',
        description: 'Specializes in search engine optimization',
        parameters: { temperature: 0.4, max_tokens: 4000 },
        capabilities: ['keyword_analysis', 'seo_optimization', 'content_recommendations'],
      },
    });
    expect(added.status).toBe(201);
    await workerAll.waitForLine((line) => line.includes('"message":"serving agent type"') && line.includes('"agent_type":"seo"'), 10_000);
    const task = (await client.request('POST', `/networks/${networkId}/tasks?wait=30`, { task: 'SEO keywords please', process: true })).body;
    expect(task.status).toBe('completed');
    expect(task.subtasks[0]).toMatchObject({ agent_type: 'seo', status: 'completed', result: 'KEYWORDS: ai code completion' });
    expect(pidOf(task.subtasks[0].worker_id)).toBe(workerAll.child.pid);
  });
});
