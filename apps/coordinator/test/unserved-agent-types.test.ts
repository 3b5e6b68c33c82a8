/**
 * Capacity-aware dispatch across real processes (API, coordinator, workers from dist; the
 * simulated provider, which plans one subtask per specialist it is offered). The SEED.md
 * walk-through with one worker pool for the default agent types: the custom SEO Specialist is
 * added while no worker serves `seo`; the coordinator does not plan for it, the API and health say
 * so; a `seo` subtask planned while a worker served the type, whose worker then died, fails after
 * the grace period with the reason and the fix, and the task completes with the rest; a worker
 * started later makes the type served again.
 */
import { createApiClient, createTestEnv, freePort, launchApp, waitFor, type ApiClient, type LaunchedProcess, type TestEnv } from '@mesh/testing';

const KEY = 'key-tenant-a-123';
const DEFAULT_TYPES = 'content,design,analytics,personalization';
const SEED_TASK = {
  task: 'Create an email campaign for a new product launch targeting tech professionals',
  context: { product_name: 'TechPro X1', target_audience: 'Software developers and IT professionals' },
  priority: 1,
};
const SEO_AGENT = {
  name: 'SEO Specialist',
  type: 'seo',
  model: 'claude-3-7-sonnet',
  description: 'Specializes in search engine optimization',
  parameters: { temperature: 0.4, max_tokens: 4000 },
  capabilities: ['keyword_analysis', 'seo_optimization', 'content_recommendations'],
};

let env: TestEnv;
let api: ApiClient;
const processes: LaunchedProcess[] = [];

beforeAll(async () => {
  const port = await freePort();
  env = await createTestEnv('unserved-types', {
    PORT: String(port),
    MESH_SIM_LATENCY_MS: '20',
    // Heartbeats live 3 s: long enough for a plan to see a worker that has just died.
    MESH_HEARTBEAT_INTERVAL_MS: '1000',
    MESH_UNSERVED_GRACE_SECONDS: '2',
    MESH_SWEEP_INTERVAL_MS: '500',
    MESH_AGENT_DISCOVERY_MS: '300',
  });
  api = createApiClient(`http://127.0.0.1:${port}`, KEY);
  processes.push(
    ...(await Promise.all([launchApp('api', env.env), launchApp('coordinator', env.env), launchApp('worker', env.env, { args: ['--agents', DEFAULT_TYPES], name: 'worker-defaults' })])),
  );
}, 60_000);

afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop(5_000)));
  await env?.cleanup();
});

async function health(): Promise<any> {
  return (await api.request('GET', '/health')).body;
}

async function finished(networkId: string, taskId: string): Promise<any> {
  return (await api.request('GET', `/networks/${networkId}/tasks/${taskId}?wait=60`)).body;
}

async function submit(networkId: string): Promise<string> {
  const res = await api.request('POST', `/networks/${networkId}/tasks`, { ...SEED_TASK, process: true });
  expect(res.status).toBe(201);
  return res.body.task_id as string;
}

async function startSeoWorker(): Promise<LaunchedProcess> {
  const worker = await launchApp('worker', env.env, { args: ['--agents', 'seo'], name: 'worker-seo' });
  processes.push(worker);
  await waitFor('seo to be served', async () => ((await health()).unserved_agent_types.includes('seo') ? undefined : true), 10_000);
  // The coordinator reads the heartbeats at most once a second: let it see the new worker too.
  await new Promise((r) => setTimeout(r, 1_200));
  return worker;
}

describe('agent types that no worker serves', () => {
  let networkId: string;

  it('the SEED walk-through: the unserved SEO Specialist is reported, not planned for, and the task completes', async () => {
    const network = await api.request('POST', '/networks', { name: 'Email Campaign Assistant', max_iterations: 3, timeout_seconds: 300 });
    networkId = network.body.network_id;
    const added = await api.request('POST', `/networks/${networkId}/agents`, { agent_config: SEO_AGENT });
    expect(added.status).toBe(201);
    expect(added.body.warnings).toEqual([expect.stringContaining("no worker serves agent type 'seo': start one with --agents seo or --agents all")]);
    expect((await health()).unserved_agent_types).toEqual(['seo']);
    const metrics = await fetch(`${api.url}/metrics`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(await metrics.text()).toMatch(/^mesh_unserved_agent_types\{agent_type="seo"[^}]*\} 1$/m);
    // The coordinator reads the heartbeats at most once a second.
    await new Promise((r) => setTimeout(r, 1_200));
    const task = await finished(networkId, await submit(networkId));
    expect(task.status).toBe('completed');
    expect(task.subtasks.map((s: any) => s.agent_type)).not.toContain('seo');
    expect(new Set(task.subtasks.map((s: any) => s.agent_type))).toEqual(new Set(DEFAULT_TYPES.split(',')));
  }, 60_000);

  it('a seo subtask planned while its worker lived fails after the grace period, naming the fix; the task goes on', async () => {
    const seo = await startSeoWorker();
    seo.kill('SIGKILL');
    expect((await seo.exited).signal).toBe('SIGKILL');
    // Its heartbeat outlives it by up to 3 s: the plan still counts seo as served.
    const taskId = await submit(networkId);
    const task = await finished(networkId, taskId);
    expect(task.status).toBe('completed');
    const seoSubtask = task.subtasks.find((s: any) => s.agent_type === 'seo');
    expect(seoSubtask).toMatchObject({ status: 'failed', attempts: 0 });
    expect(seoSubtask.error).toContain("no worker serves agent type 'seo': start one with --agents seo or --agents all");
    expect(task.subtasks.filter((s: any) => s.agent_type !== 'seo' && s.iteration === seoSubtask.iteration).every((s: any) => s.status === 'completed')).toBe(true);
    expect((await health()).unserved_agent_types).toEqual(['seo']);
  }, 60_000);

  it('a worker started later makes the type served again', async () => {
    await startSeoWorker();
    expect((await api.request('POST', `/networks/${networkId}/agents`, { agent_config: { ...SEO_AGENT, type: 'seo-two', name: 'SEO Two' } })).body.warnings).toHaveLength(1);
    const task = await finished(networkId, await submit(networkId));
    expect(task.status).toBe('completed');
    const seoSubtask = task.subtasks.find((s: any) => s.agent_type === 'seo');
    expect(seoSubtask).toMatchObject({ status: 'completed' });
    expect((await health()).unserved_agent_types).toEqual(['seo-two']);
  }, 60_000);
});
