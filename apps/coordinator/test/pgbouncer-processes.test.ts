/**
 * The SEED.md walk-through across real processes (API, coordinator, worker from dist; the
 * simulated provider) whose every Postgres connection but one goes through a real PgBouncer in
 * transaction pooling with three server connections: DATABASE_TRANSACTION_POOLING=true (the schema
 * comes from PgBouncer's connect_query, no prepared statements) and DATABASE_SESSION_URL straight
 * to Postgres for the recovery sweeper's leader lock.
 */
import { Client } from 'pg';
import { createApiClient, createTestEnv, freePort, launchApp, startPgBouncer, TEST_DATABASE_URL, waitFor, type ApiClient, type LaunchedProcess, type PgBouncer, type TestEnv } from '@mesh/testing';

const KEY = 'key-tenant-a-123';
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
let bouncer: PgBouncer;
let api: ApiClient;
const processes: LaunchedProcess[] = [];

beforeAll(async () => {
  const port = await freePort();
  env = await createTestEnv('pgbouncer-processes', { PORT: String(port), MESH_SIM_LATENCY_MS: '10', MESH_SWEEP_INTERVAL_MS: '300' });
  bouncer = await startPgBouncer({ databases: [{ name: 'mesh', searchPath: env.schema }], poolSize: 3 });
  const processEnv = {
    ...env.env,
    DATABASE_URL: bouncer.url('mesh'),
    DATABASE_TRANSACTION_POOLING: 'true',
    DATABASE_SESSION_URL: TEST_DATABASE_URL,
  };
  api = createApiClient(`http://127.0.0.1:${port}`, KEY);
  processes.push(...(await Promise.all([launchApp('api', processEnv), launchApp('coordinator', processEnv), launchApp('worker', processEnv, { args: ['--agents', 'all'] })])));
}, 60_000);

afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop(5_000)));
  await bouncer?.stop();
  await env?.cleanup();
});

describe('Agent Mesh behind PgBouncer in transaction pooling', () => {
  it('runs the SEED walk-through to completion, with the leader lock on its own session and the rest through the pool', async () => {
    const created = await api.request('POST', '/networks', SEED_NETWORK);
    expect(created.status).toBe(201);
    const networkId = created.body.network_id as string;
    const submitted = await api.request('POST', `/networks/${networkId}/tasks`, SEED_TASK);
    expect(submitted.status).toBe(201);
    const task = (await api.request('GET', `/networks/${networkId}/tasks/${submitted.body.task_id}?wait=60`)).body;
    expect(task.status).toBe('completed');
    expect(task.subtasks.length).toBeGreaterThan(0);
    expect(task.subtasks.every((s: { status: string }) => s.status === 'completed')).toBe(true);
    const memory = (await api.request('GET', `/networks/${networkId}/memory`)).body;
    expect(memory.memory.length).toBeGreaterThan(0);

    // Every process is a client of PgBouncer; the coordinator's leader lock is a direct session.
    const clients = await bouncer.admin('SHOW CLIENTS');
    const names = new Set(clients.map((c) => String(c.application_name ?? '')));
    for (const name of ['mesh-api', 'mesh-coordinator', 'mesh-worker']) expect([...names].some((n) => n.startsWith(name))).toBe(true);
    const stats = await bouncer.admin('SHOW STATS');
    expect(Number(stats.find((s) => s.database === 'mesh')?.total_xact_count ?? 0)).toBeGreaterThan(20);
    const direct = new Client({ connectionString: TEST_DATABASE_URL });
    await direct.connect();
    try {
      await waitFor('the sweeper leader to hold its lock', async () => {
        // This schema's sweeper lock (other test files run coordinators of their own meanwhile).
        const { rows } = await direct.query<{ application_name: string }>(
          `SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted AND l.objid = (hashtext($1)::bigint & 4294967295)::oid`,
          [`agent-mesh:${env.schema}:recovery-sweeper`],
        );
        return rows.length === 1 && rows[0]!.application_name === 'mesh-coordinator-session' ? true : undefined;
      }, 10_000);
    } finally {
      await direct.end();
    }
  });
});
