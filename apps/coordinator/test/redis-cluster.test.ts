/**
 * Agent Mesh on a real Redis Cluster (three masters, three replicas on loopback ports, started by
 * this test): the API, a coordinator and a worker (from dist; the simulated provider) connect with
 * REDIS_URL=redis-cluster://… and a hash-tagged prefix. The SEED walk-through completes; then a
 * run of 200 tasks, during which the master that owns the prefix's slot is killed (kill -9): its
 * replica takes over, every task completes, and no subtask's result is written twice (a trigger
 * records every write of a result over an earlier one, and every completion).
 */
import { createApiClient, createTestEnv, freePort, launchApp, startRedisCluster, waitFor, type ApiClient, type LaunchedProcess, type TestEnv, type TestRedisCluster } from '@mesh/testing';

const KEY = 'key-tenant-a-123';
const TASKS = 200;
const SEED_NETWORK = {
  name: 'Marketing Campaign Network',
  description: 'Network for creating and managing marketing campaigns',
  agents: [
    { name: 'Content Creator', type: 'content', model: 'claude-3-7-sonnet', description: 'Creates marketing content' },
    { name: 'Campaign Designer', type: 'design', model: 'gpt-4o', description: 'Designs campaign layouts' },
  ],
};
const SEED_TASK = {
  task: 'Create an email campaign for a new product launch targeting tech professionals',
  context: { product_name: 'TechPro X1', target_audience: 'Software developers and IT professionals' },
  priority: 1,
  process: true,
};

let env: TestEnv;
let cluster: TestRedisCluster;
let api: ApiClient;
let prefix: string;
const processes: LaunchedProcess[] = [];

beforeAll(async () => {
  cluster = await startRedisCluster();
  const port = await freePort();
  env = await createTestEnv('redis-cluster', { PORT: String(port), MESH_SIM_LATENCY_MS: '10', MESH_MAX_QUEUED_TASKS_PER_TENANT: '0', MESH_RATE_LIMIT_PER_MINUTE: '0' });
  prefix = `{${env.queuePrefix}}`;
  const processEnv = { ...env.env, REDIS_URL: cluster.url, MESH_QUEUE_PREFIX: prefix, MESH_STALLED_INTERVAL_MS: '2000', MESH_JOB_LOCK_MS: '5000' };
  api = createApiClient(`http://127.0.0.1:${port}`, KEY);
  processes.push(...(await Promise.all([launchApp('api', processEnv), launchApp('coordinator', processEnv), launchApp('worker', processEnv, { args: ['--agents', 'all'] })])));
  await env.db.query(`
    CREATE TABLE result_writes (subtask_id uuid NOT NULL, kind text NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp());
    CREATE FUNCTION record_result_write() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.status = 'completed' AND OLD.status IS DISTINCT FROM 'completed' THEN INSERT INTO result_writes VALUES (NEW.id, 'completed'); END IF;
      IF OLD.result IS NOT NULL AND NEW.result IS DISTINCT FROM OLD.result THEN INSERT INTO result_writes VALUES (NEW.id, 'overwritten'); END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER result_writes AFTER UPDATE ON subtasks FOR EACH ROW EXECUTE FUNCTION record_result_write();
  `);
}, 120_000);

afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop(5_000)));
  await cluster?.stop();
  await env?.cleanup();
}, 60_000);

async function statusCounts(taskIds: string[]): Promise<Record<string, number>> {
  const { rows } = await env.db.query<{ status: string; n: number }>('SELECT status, count(*)::int AS n FROM tasks WHERE id = ANY($1::uuid[]) GROUP BY status', [taskIds]);
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

describe('Agent Mesh on a Redis Cluster', () => {
  let networkId: string;

  it('runs the SEED walk-through: the fleet is seen across the masters, the task completes', async () => {
    const created = await api.request('POST', '/networks', SEED_NETWORK);
    expect(created.status).toBe(201);
    networkId = created.body.network_id;
    // The heartbeats are read with a SCAN over every master.
    const health = await waitFor('the coordinator and the worker in health', async () => {
      const body = (await api.request('GET', '/health')).body;
      return body.workers?.length >= 2 ? body : undefined;
    }, 15_000);
    expect(health).toMatchObject({ status: 'ok', redis_connection: 'connected' });
    expect(health.workers.map((w: { kind: string }) => w.kind).sort()).toEqual(['coordinator', 'worker']);
    const submitted = await api.request('POST', `/networks/${networkId}/tasks`, SEED_TASK);
    expect(submitted.status).toBe(201);
    const task = (await api.request('GET', `/networks/${networkId}/tasks/${submitted.body.task_id}?wait=30`)).body;
    expect({ status: task.status, subtasks: task.subtasks.map((s: { agent_type: string; status: string }) => `${s.agent_type}:${s.status}`) }).toMatchObject({ status: 'completed' });
    expect(task.subtasks.length).toBeGreaterThan(0);
  }, 60_000);

  it('loses no task and writes no result twice when the master of the mesh slot is killed mid-run', async () => {
    const taskIds: string[] = [];
    for (let start = 0; start < TASKS; start += 20) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(20, TASKS - start) }, (_, i) => api.request('POST', `/networks/${networkId}/tasks`, { ...SEED_TASK, task: `${SEED_TASK.task} (${start + i + 1})` })),
      );
      for (const res of batch) {
        expect(res.status).toBe(201);
        taskIds.push(res.body.task_id);
      }
    }
    // Mid-run: some done, most not.
    await waitFor('a tenth of the tasks to complete', async () => ((await statusCounts(taskIds)).completed ?? 0) >= TASKS / 10 || undefined, 60_000);
    const before = await statusCounts(taskIds);
    expect(before.completed ?? 0).toBeLessThan(TASKS);
    const master = await cluster.masterOf(`${prefix}:coordinator:wait`);
    const { failoverMs } = await cluster.killMaster(master);
    const after = await waitFor(
      'every task to end',
      async () => {
        const counts = await statusCounts(taskIds);
        return (counts.completed ?? 0) + (counts.failed ?? 0) + (counts.cancelled ?? 0) === TASKS ? counts : undefined;
      },
      180_000,
      250,
    );
    expect(after).toEqual({ completed: TASKS });
    const { rows } = await env.db.query<{ kind: string; subtask_id: string; n: number }>(
      `SELECT w.kind, w.subtask_id, count(*)::int AS n FROM result_writes w JOIN subtasks s ON s.id = w.subtask_id
        WHERE s.task_id = ANY($1::uuid[]) GROUP BY w.kind, w.subtask_id`,
      [taskIds],
    );
    expect(rows.filter((r) => r.kind === 'overwritten')).toEqual([]);
    expect(rows.filter((r) => r.kind === 'completed' && r.n > 1)).toEqual([]);
    const { rows: subtasks } = await env.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM subtasks WHERE task_id = ANY($1::uuid[]) AND status = 'completed'`, [taskIds]);
    expect(rows.filter((r) => r.kind === 'completed')).toHaveLength(subtasks[0]!.n);
    // The figures, for the scaling guide.
    console.log(`redis cluster: ${TASKS} tasks, ${before.completed} complete when master :${master.port} was killed; replica took over in ${failoverMs} ms; all completed`);
  }, 300_000);
});
