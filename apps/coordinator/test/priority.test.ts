/**
 * Task priority maps to BullMQ priority for all of a task's jobs: a priority 1 task submitted
 * behind a backlog of priority 10 tasks overtakes them. One coordinator and one worker process,
 * each taking one job at a time, so the backlog is real.
 */
import { createApiClient, createTestEnv, freePort, launchApp, type ApiClient, type LaunchedProcess, type TestEnv } from '@mesh/testing';

let env: TestEnv;
let client: ApiClient;
const processes: LaunchedProcess[] = [];

beforeAll(async () => {
  const port = await freePort();
  env = await createTestEnv('priority', {
    PORT: String(port),
    MESH_SIM_LATENCY_MS: '15',
    MESH_COORDINATOR_CONCURRENCY: '1',
    MESH_MAX_QUEUED_TASKS_PER_TENANT: '0',
  });
  client = createApiClient(`http://127.0.0.1:${port}`, 'key-tenant-a-123');
  processes.push(await launchApp('api', env.env));
}, 60_000);

afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop(5_000)));
  await env?.cleanup();
});

it('a priority 1 task overtakes a backlog of priority 10 tasks', async () => {
  const networkId = (await client.request('POST', '/networks', { name: 'Priorities' })).body.network_id;
  // Queue the backlog before any coordinator or worker runs, then the urgent task.
  const backlog: string[] = [];
  for (let i = 0; i < 20; i++) {
    const res = await client.request('POST', `/networks/${networkId}/tasks`, { task: `Routine newsletter ${i}`, priority: 10, process: true });
    backlog.push(res.body.task_id);
  }
  const urgent = (await client.request('POST', `/networks/${networkId}/tasks`, { task: 'Urgent incident email', priority: 1, process: true })).body.task_id;
  processes.push(await launchApp('coordinator', env.env));
  processes.push(await launchApp('worker', env.env, { args: ['--agents', 'all', '--concurrency', '1'] }));

  const done = (await client.request('GET', `/networks/${networkId}/tasks/${urgent}?wait=60`)).body;
  expect(done.status).toBe('completed');
  const list = (await client.request('GET', `/networks/${networkId}/tasks?limit=50`)).body.tasks as { task_id: string; status: string; completed_at: string | null }[];
  const urgentAt = Date.parse(done.completed_at);
  const overtaken = list.filter((t) => backlog.includes(t.task_id) && (t.completed_at === null || Date.parse(t.completed_at) > urgentAt));
  // Everything queued ahead of it at the same step could finish first only if priority were ignored.
  expect(overtaken.length).toBeGreaterThanOrEqual(18);
}, 90_000);
