/**
 * Agent Mesh across hosts: the API, the coordinator, two workers, Redis and Postgres each on a
 * host of its own (a network namespace wired to a switch by a veth pair; made and removed by this
 * test, its addresses exist only there), 3 ms of netem delay on every link where the kernel has
 * netem; where it has not (this project's VMs), 3 ms each way added by a TCP relay in front of
 * Redis and of Postgres, which every process's traffic goes through (the figures say which). Mid-run, worker 1's
 * cable is pulled while it runs subtasks: its job locks lapse, worker 2 recovers those subtasks
 * after the stall interval, and every task completes. When the cable is plugged back in, worker 1's
 * late results write nothing (a trigger records every completion and every result written over an
 * earlier one). The figures are printed.
 */
import { appendFileSync, chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { Client } from 'pg';
import {
  createApiClient,
  createNetnsHosts,
  createTestEnv,
  launch,
  launchDelayRelay,
  launchApp,
  waitFor,
  type ApiClient,
  type LaunchedProcess,
  type NetnsHosts,
  type TestEnv,
} from '@mesh/testing';

const KEY = 'key-tenant-a-123';
const TASKS = 12;
const PG_BIN = '/usr/lib/postgresql/15/bin';
const LOCK_MS = 3_000;
const NETWORK = {
  name: 'Marketing Campaign Network',
  description: 'Network for creating and managing marketing campaigns',
  agents: [
    { name: 'Content Creator', type: 'content', model: 'claude-3-7-sonnet', description: 'Creates marketing content' },
    { name: 'Campaign Designer', type: 'design', model: 'gpt-4o', description: 'Designs campaign layouts' },
    { name: 'Analytics Specialist', type: 'analytics', model: 'gpt-4o', description: 'Analyses campaign data' },
  ],
};
const TASK = {
  task: 'Create an email campaign for a new product launch targeting tech professionals',
  context: { product_name: 'TechPro X1', target_audience: 'Software developers and IT professionals' },
  process: true,
};

let env: TestEnv;
let hosts: NetnsHosts;
let api: ApiClient;
let db: Client;
let pgDir: string;
const servers: LaunchedProcess[] = [];
/** Delay on each link (netem) or, without netem, each way through the relays in front of Redis and Postgres. */
const LATENCY_MS = 3;
const processes: LaunchedProcess[] = [];
let worker1: LaunchedProcess;

beforeAll(async () => {
  env = await createTestEnv('multi-host');
  hosts = await createNetnsHosts(['api', 'coordinator', 'worker1', 'worker2', 'redis', 'postgres'], { latencyMs: LATENCY_MS });
  const pgHost = hosts.address('postgres');
  const redisHost = hosts.address('redis');

  // Postgres and Redis of their own, on their hosts.
  pgDir = mkdtempSync(join(tmpdir(), 'mesh-multihost-pg-'));
  chmodSync(pgDir, 0o777);
  const data = join(pgDir, 'data');
  execFileSync('runuser', ['-u', 'postgres', '--', `${PG_BIN}/initdb`, '-D', data, '-A', 'trust', '-U', 'postgres', '-N'], { stdio: 'ignore' });
  appendFileSync(join(data, 'pg_hba.conf'), `host all all ${pgHost.replace(/\.\d+$/, '.0')}/24 trust\n`);
  const postgres = launch('postgres', 'ip', [
    'netns', 'exec', hosts.namespace('postgres'),
    'runuser', '-u', 'postgres', '--',
    `${PG_BIN}/postgres`, '-D', data, '-c', 'listen_addresses=127.0.0.1', '-p', '5432', '-k', pgDir,
    '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200',
  ], {});
  servers.push(postgres);
  await postgres.waitForLine(/database system is ready to accept connections/, 30_000);
  const redis = launch('redis', 'ip', ['netns', 'exec', hosts.namespace('redis'), 'redis-server', '--bind', '127.0.0.1', '--port', '6379', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'], {});
  servers.push(redis);
  await redis.waitForLine(/Ready to accept connections/, 15_000);
  // The servers listen on their hosts' loopback; other hosts reach them through a relay on the
  // host's address, which adds the latency where the kernel's netem could not.
  const relayDelay = hosts.latencyApplied ? 0 : LATENCY_MS;
  for (const [host, address, port] of [['postgres', pgHost, 5432], ['redis', redisHost, 6379]] as const) {
    servers.push(await launchDelayRelay(hosts.namespace(host), { host: address, port }, { host: '127.0.0.1', port }, relayDelay, `${host}-relay`));
  }

  const processEnv = {
    ...env.env,
    DATABASE_URL: `postgres://postgres@${pgHost}:5432/postgres`,
    REDIS_URL: `redis://${redisHost}:6379`,
    MESH_SIM_LATENCY_MS: '1500',
    MESH_JOB_LOCK_MS: String(LOCK_MS),
    MESH_STALLED_INTERVAL_MS: '1000',
    MESH_HEARTBEAT_INTERVAL_MS: '1000',
    MESH_MAX_QUEUED_TASKS_PER_TENANT: '0',
    MESH_RATE_LIMIT_PER_MINUTE: '0',
  };
  // The API migrates first (MESH_MIGRATE_ON_START); the others find the schema made.
  processes.push(await launchApp('api', { ...processEnv, HOST: hosts.address('api'), PORT: '8080' }, { netns: hosts.namespace('api'), readyTimeoutMs: 40_000 }));
  processes.push(
    ...(await Promise.all([
      launchApp('coordinator', processEnv, { netns: hosts.namespace('coordinator'), readyTimeoutMs: 40_000 }),
      launchApp('worker', processEnv, { netns: hosts.namespace('worker1'), name: 'worker1', args: ['--agents', 'all'], readyTimeoutMs: 40_000 }),
      launchApp('worker', processEnv, { netns: hosts.namespace('worker2'), name: 'worker2', args: ['--agents', 'all'], readyTimeoutMs: 40_000 }),
    ])),
  );
  worker1 = processes.find((p) => p.name === 'worker1')!;
  api = createApiClient(`http://${hosts.address('api')}:8080`, KEY);
  db = new Client({ connectionString: processEnv.DATABASE_URL, options: `-c search_path=${env.schema}` });
  await db.connect();
  await db.query(`
    CREATE TABLE subtask_writes (subtask_id uuid NOT NULL, kind text NOT NULL, worker_id text, at timestamptz NOT NULL DEFAULT clock_timestamp());
    CREATE FUNCTION record_subtask_write() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.worker_id IS DISTINCT FROM OLD.worker_id AND NEW.worker_id IS NOT NULL THEN INSERT INTO subtask_writes (subtask_id, kind, worker_id) VALUES (NEW.id, 'claimed', NEW.worker_id); END IF;
      IF NEW.status = 'completed' AND OLD.status IS DISTINCT FROM 'completed' THEN INSERT INTO subtask_writes (subtask_id, kind, worker_id) VALUES (NEW.id, 'completed', NEW.worker_id); END IF;
      IF OLD.result IS NOT NULL AND NEW.result IS DISTINCT FROM OLD.result THEN INSERT INTO subtask_writes (subtask_id, kind, worker_id) VALUES (NEW.id, 'overwritten', NEW.worker_id); END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER subtask_writes AFTER UPDATE ON subtasks FOR EACH ROW EXECUTE FUNCTION record_subtask_write();
  `);
}, 180_000);

afterAll(async () => {
  await db?.end().catch(() => {});
  await Promise.all(processes.map((p) => p.stop(5_000)));
  for (const server of servers.reverse()) await server.stop(5_000);
  await hosts?.destroy();
  if (pgDir) rmSync(pgDir, { recursive: true, force: true });
  await env?.cleanup();
}, 60_000);

async function unfinished(taskIds: string[]): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM tasks WHERE id = ANY($1::uuid[]) AND status NOT IN ('completed', 'failed', 'cancelled')`, [taskIds]);
  return rows[0]!.n;
}

/** The round trip of one Redis PING from the test process to the Redis host, in ms. */
async function redisPingMs(host: string): Promise<number> {
  const socket = connect(6379, host);
  await once(socket, 'connect');
  try {
    const started = performance.now();
    socket.write('PING\r\n');
    await once(socket, 'data');
    return performance.now() - started;
  } finally {
    socket.destroy();
  }
}

describe('Agent Mesh across hosts', () => {
  it('adds the latency to every link (netem) or, without netem, both ways to Redis and Postgres', async () => {
    const rtt = [];
    for (let i = 0; i < 5; i++) rtt.push(await redisPingMs(hosts.address('redis')));
    // netem delays what leaves the Redis host (the answer); the relay delays the request and the
    // answer. On this machine's links alone a PING takes well under 1 ms.
    expect(Math.min(...rtt)).toBeGreaterThanOrEqual(hosts.latencyApplied ? LATENCY_MS : 2 * LATENCY_MS);
  });

  it('recovers a cut-off worker’s subtasks on the other worker, completes every task, and writes nothing twice when the link returns', async () => {
    const network = await api.request('POST', '/networks', NETWORK);
    expect(network.status).toBe(201);
    const networkId = network.body.network_id as string;
    const taskIds: string[] = [];
    for (let i = 0; i < TASKS; i++) {
      const res = await api.request('POST', `/networks/${networkId}/tasks`, { ...TASK, task: `${TASK.task} (${i + 1})` });
      expect(res.status).toBe(201);
      taskIds.push(res.body.task_id);
    }
    const w1 = `%:${worker1.child.pid}`;
    // Worker 1 is in the middle of subtasks: pull its cable.
    await waitFor(
      'worker 1 to run subtasks',
      async () => {
        const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM subtasks WHERE status = 'in_progress' AND worker_id LIKE $1`, [w1]);
        return rows[0]!.n >= 2 || undefined;
      },
      60_000,
      50,
    );
    const { rows: cutOff } = await db.query<{ id: string }>(`SELECT id FROM subtasks WHERE status = 'in_progress' AND worker_id LIKE $1`, [w1]);
    const cutAt = Date.now();
    await hosts.cut('worker1');

    // Worker 2 takes them over once their locks lapse; every task completes without worker 1.
    await waitFor('every task to end while worker 1 is cut off', async () => ((await unfinished(taskIds)) === 0 ? true : undefined), 120_000, 200);
    const recoveredAt = Date.now();
    const { rows: recovered } = await db.query<{ id: string; worker_id: string; status: string }>(`SELECT id, worker_id, status FROM subtasks WHERE id = ANY($1::uuid[])`, [cutOff.map((r) => r.id)]);
    expect(recovered.every((s) => s.status === 'completed' && !s.worker_id.endsWith(`:${worker1.child.pid}`))).toBe(true);

    // The cable back in: worker 1's calls have long ended; its late writes must change nothing.
    await hosts.restore('worker1');
    const restoredAt = Date.now();
    await waitFor(
      'worker 1 to be back (its heartbeat)',
      async () => {
        const health = (await api.request('GET', '/health')).body;
        return health.workers.filter((w: { kind: string }) => w.kind === 'worker').length === 2 || undefined;
      },
      60_000,
      250,
    );
    // Time for its interrupted jobs to try to finish (a lapsed lock, a subtask claimed by another).
    await new Promise((r) => setTimeout(r, LOCK_MS + 2_000));

    const { rows: tasks } = await db.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM tasks WHERE id = ANY($1::uuid[]) GROUP BY status`, [taskIds]);
    expect(Object.fromEntries(tasks.map((t) => [t.status, t.n]))).toEqual({ completed: TASKS });
    const { rows: writes } = await db.query<{ kind: string; subtask_id: string; n: number }>(`SELECT kind, subtask_id, count(*)::int AS n FROM subtask_writes GROUP BY kind, subtask_id`);
    expect(writes.filter((w) => w.kind === 'overwritten')).toEqual([]);
    expect(writes.filter((w) => w.kind === 'completed' && w.n > 1)).toEqual([]);
    const { rows: late } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM subtask_writes WHERE at > to_timestamp($1 / 1000.0) AND kind <> 'claimed'`, [restoredAt]);
    expect(late[0]!.n).toBe(0);
    const reclaimed = new Set(writes.filter((w) => w.kind === 'claimed' && w.n > 1).map((w) => w.subtask_id));
    for (const { id } of cutOff) expect(reclaimed.has(id)).toBe(true);
    const { rows: all } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM subtasks s JOIN tasks t ON t.id = s.task_id WHERE t.id = ANY($1::uuid[])`, [taskIds]);
    console.log(
      `multi-host: ${TASKS} tasks (${all[0]!.n} subtasks) on 6 hosts, ${hosts.latencyApplied ? `${LATENCY_MS} ms of netem delay per link` : `${LATENCY_MS} ms each way on every connection to Redis and Postgres, added by a relay on their hosts (the kernel has no netem)`}; worker 1 cut off with ${cutOff.length} subtasks in flight; ` +
        `${reclaimed.size} subtasks recovered by worker 2; every task completed ${((recoveredAt - cutAt) / 1000).toFixed(1)} s after the cut ` +
        `(job lock ${LOCK_MS / 1000} s, stall check every 1 s); after the link returned, 0 late writes`,
    );
  }, 240_000);
});
