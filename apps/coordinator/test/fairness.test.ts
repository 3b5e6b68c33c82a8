/**
 * Fairness between tenants across real processes (API, one coordinator and one worker from dist,
 * each taking few jobs at a time, so a backlog is real): tenant A submits a burst; tenant B's tasks,
 * submitted behind it, are not served after A's whole burst — B's jobs carry a small share, A's a
 * large one. Also the operators' weights route.
 */
import { isTerminalTaskStatus } from '@mesh/core';
import { createApiClient, createTestEnv, freePort, launchApp, type ApiClient, type LaunchedProcess, type TestEnv } from '@mesh/testing';

const BURST = 120;

let env: TestEnv;
let a: ApiClient;
let b: ApiClient;
const processes: LaunchedProcess[] = [];

beforeAll(async () => {
  const port = await freePort();
  env = await createTestEnv('fairness', {
    PORT: String(port),
    MESH_SIM_LATENCY_MS: '15',
    MESH_COORDINATOR_CONCURRENCY: '2',
    MESH_MAX_QUEUED_TASKS_PER_TENANT: '0',
    MESH_RATE_LIMIT_PER_MINUTE: '0',
    MESH_ADMIN_TENANTS: 'tenant-a',
    MESH_TENANT_WEIGHTS: 'tenant-c:3',
  });
  a = createApiClient(`http://127.0.0.1:${port}`, 'key-tenant-a-123');
  b = createApiClient(`http://127.0.0.1:${port}`, 'key-tenant-b-456');
  processes.push(await launchApp('api', env.env));
}, 60_000);

afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop(5_000)));
  await env?.cleanup();
});

async function network(client: ApiClient): Promise<string> {
  return (await client.request('POST', '/networks', { name: 'Fair' })).body.network_id as string;
}

it("a tenant's tasks submitted behind another tenant's burst are not served after it", async () => {
  const [networkA, networkB] = await Promise.all([network(a), network(b)]);
  // A's burst is queued before any coordinator or worker runs.
  const burst: string[] = [];
  for (let i = 0; i < BURST; i += 20) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(20, BURST - i) }, (_, j) => a.request('POST', `/networks/${networkA}/tasks`, { task: `Newsletter ${i + j}`, process: true })),
    );
    burst.push(...batch.map((res) => res.body.task_id as string));
  }
  const fromB = [];
  for (let i = 0; i < 3; i++) fromB.push((await b.request('POST', `/networks/${networkB}/tasks`, { task: `Launch email ${i}`, process: true })).body.task_id as string);
  processes.push(await launchApp('coordinator', env.env));
  processes.push(await launchApp('worker', env.env, { args: ['--agents', 'all', '--concurrency', '2'] }));

  const lastOfB = Math.max(
    ...(await Promise.all(
      fromB.map(async (id) => {
        const task = await untilEnded(b, networkB, id, 90);
        if (task.status !== 'completed') throw new Error(await stalled(task, networkA));
        return Date.parse(task.completed_at);
      }),
    )),
  );
  const tasksOfA = (await a.request('GET', `/networks/${networkA}/tasks?limit=200`)).body.tasks as { task_id: string; completed_at: string | null }[];
  const afterB = tasksOfA.filter((t) => burst.includes(t.task_id) && (t.completed_at === null || Date.parse(t.completed_at) > lastOfB));
  // Served first in, first out, all of A's burst would have finished before B's last task.
  expect(afterB.length).toBeGreaterThanOrEqual(BURST / 2);
}, 120_000);

/**
 * The task once it has ended, or as it is after `seconds`. Asks with `?wait` again when an answer
 * comes back before its wait is over, and says so: that is not what `?wait` promises, and it
 * must not be mistaken for unfairness (it was seen once in CI, unexplained).
 */
async function untilEnded(client: ApiClient, networkId: string, id: string, seconds: number): Promise<Record<string, any>> {
  const until = Date.now() + seconds * 1000;
  for (;;) {
    const asked = Date.now();
    const wait = Math.max(1, Math.ceil((until - asked) / 1000));
    const task = (await client.request('GET', `/networks/${networkId}/tasks/${id}?wait=${wait}`)).body;
    if (isTerminalTaskStatus(task.status) || Date.now() >= until) return task;
    console.warn(`GET …/tasks/${id}?wait=${wait} answered '${String(task.status)}' after ${Date.now() - asked} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** What a task of B that did not complete was waiting for: its subtasks, A's progress, the processes' warnings. */
async function stalled(task: Record<string, unknown>, networkA: string): Promise<string> {
  const tasksOfA = (await a.request('GET', `/networks/${networkA}/tasks?limit=200`)).body.tasks as { status: string }[];
  const countsOfA: Record<string, number> = {};
  for (const t of tasksOfA) countsOfA[t.status] = (countsOfA[t.status] ?? 0) + 1;
  const warnings = processes.flatMap((p) => p.lines.filter((line) => /"level":"(warn|error)"/.test(line)).slice(-10).map((line) => `[${p.name}] ${line}`));
  return [`B's task ${String(task.task_id)} is ${String(task.status)}`, JSON.stringify(task.subtasks ?? task, null, 1), `A's tasks: ${JSON.stringify(countsOfA)}`, ...warnings].join('\n');
}

it('operators set weights (positive, at most 1000); others may not', async () => {
  expect((await a.request('GET', '/admin/weights')).body.weights).toEqual({ 'tenant-c': 3 });
  const set = await a.request('PUT', '/admin/weights', { tenant_id: 'tenant-b', weight: 2.5 });
  expect(set.status).toBe(200);
  expect(set.body.weights).toEqual({ 'tenant-c': 3, 'tenant-b': 2.5 });
  for (const weight of [0, -1, 1001, 'heavy']) expect((await a.request('PUT', '/admin/weights', { tenant_id: 'tenant-b', weight })).status).toBe(400);
  expect((await a.request('PUT', '/admin/weights', { tenant_id: 'tenant b', weight: 1 })).status).toBe(400);
  expect((await b.request('PUT', '/admin/weights', { tenant_id: 'tenant-b', weight: 100 })).status).toBe(403);
  expect((await a.request('PUT', '/admin/weights', { tenant_id: 'tenant-b', weight: null })).body.weights).toEqual({ 'tenant-c': 3 });
});
