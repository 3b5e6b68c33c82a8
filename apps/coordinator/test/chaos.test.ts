/**
 * Chaos: while 200 tasks run across a coordinator and two worker processes, kill -9 a worker and
 * the coordinator and restart them, restart Redis (it comes back empty) and restart Postgres.
 * Afterwards every task has completed, none is lost, and no result was written twice.
 * The test runs its own Redis and Postgres so the rest of the suite is not disturbed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { migrate } from '@mesh/store';
import {
  createApiClient,
  freePort,
  launchApp,
  REPO_ROOT,
  startPrivatePostgres,
  startPrivateRedis,
  type LaunchedProcess,
  type PrivatePostgres,
  type PrivateRedis,
} from '@mesh/testing';

const TASKS = 200;
const SCHEMA = 'chaos';

let redis: PrivateRedis;
let postgres: PrivatePostgres;
let env: Record<string, string>;
const processes = new Map<string, LaunchedProcess>();

async function start(name: string, app: 'api' | 'coordinator' | 'worker', args: string[] = []): Promise<void> {
  processes.set(name, await launchApp(app, env, { name, args, logLevel: 'warn', waitReady: false }));
}

async function restartKilled(name: string, app: 'coordinator' | 'worker', args: string[] = []): Promise<void> {
  const proc = processes.get(name)!;
  proc.kill('SIGKILL');
  await proc.exited;
  await start(name, app, args);
}

async function sql<T extends Record<string, unknown>>(text: string): Promise<T[]> {
  const client = new Client({ connectionString: postgres.url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  [redis, postgres] = await Promise.all([startPrivateRedis(), startPrivatePostgres()]);
  await migrate({ url: postgres.url, schema: SCHEMA });
  // Every transition to `completed` is logged, so a result written twice would show.
  await sql(`
    CREATE TABLE ${SCHEMA}.completion_log (tbl text NOT NULL, id uuid NOT NULL);
    CREATE FUNCTION ${SCHEMA}.log_completion() RETURNS trigger LANGUAGE plpgsql AS
      $$ BEGIN INSERT INTO ${SCHEMA}.completion_log VALUES (TG_TABLE_NAME, NEW.id); RETURN NEW; END $$;
    CREATE TRIGGER subtask_completed AFTER UPDATE ON ${SCHEMA}.subtasks FOR EACH ROW WHEN (NEW.status = 'completed') EXECUTE FUNCTION ${SCHEMA}.log_completion();
    CREATE TRIGGER task_completed AFTER UPDATE ON ${SCHEMA}.tasks FOR EACH ROW WHEN (NEW.status = 'completed') EXECUTE FUNCTION ${SCHEMA}.log_completion();`);
  const port = await freePort();
  env = {
    NODE_ENV: 'test',
    PORT: String(port),
    DATABASE_URL: postgres.url,
    REDIS_URL: redis.url,
    MESH_DB_SCHEMA: SCHEMA,
    MESH_QUEUE_PREFIX: 'chaos',
    MESH_API_KEYS: 'tenant-a:key-tenant-a-123',
    MESH_LLM_PROVIDER: 'simulated',
    MESH_SIM_LATENCY_MS: '150',
    MESH_WORKER_CONCURRENCY: '20',
    MESH_COORDINATOR_CONCURRENCY: '20',
    MESH_SUBTASK_ATTEMPTS: '10',
    MESH_JOB_LOCK_MS: '2000',
    MESH_STALLED_INTERVAL_MS: '1000',
    MESH_SWEEP_INTERVAL_MS: '1000',
    // No embedding job: its merges of near-duplicate memories from different tasks raise importance, which this test reads as a memory written twice.
    MESH_EMBEDDING_BATCH: '0',
    MESH_RATE_LIMIT_PER_MINUTE: '0',
    MESH_MAX_QUEUED_TASKS_PER_TENANT: '0',
  };
  await start('api', 'api');
}, 60_000);

afterAll(async () => {
  await Promise.all([...processes.values()].map((p) => p.stop(3_000)));
  await Promise.all([redis?.stop(), postgres?.stop()]);
});

it(`survives worker and coordinator kills and Redis and Postgres restarts with ${TASKS} tasks in flight`, async () => {
  const client = createApiClient(`http://127.0.0.1:${env.PORT}`, 'key-tenant-a-123');
  // Processes log at warn here (a quiet run), so readiness is the API answering.
  for (let i = 0; ; i++) {
    const health = await fetch(`${client.url}/api/mesh/health`).catch(() => null);
    if (health) break;
    if (i > 200) throw new Error('API did not start');
    await sleep(100);
  }
  const networkId = (await client.request('POST', '/networks', { name: 'Chaos', timeout_seconds: 600 })).body.network_id;
  await start('coordinator', 'coordinator');
  await start('worker-1', 'worker', ['--agents', 'all']);
  await start('worker-2', 'worker', ['--agents', 'all']);

  const submitted: string[] = [];
  for (let i = 0; i < TASKS; i++) {
    const res = await client.request('POST', `/networks/${networkId}/tasks`, { task: `Chaos campaign number ${i}`, process: true });
    expect(res.status).toBe(201);
    submitted.push(res.body.task_id);
  }
  const started = Date.now();

  await sleep(1_000);
  await restartKilled('worker-1', 'worker', ['--agents', 'all']);
  await sleep(1_000);
  await restartKilled('coordinator', 'coordinator');
  await sleep(1_000);
  await redis.restart();
  await sleep(1_500);
  await postgres.restart();
  const chaosDoneMs = Date.now() - started;

  const until = Date.now() + 120_000;
  let counts: { status: string; n: string }[] = [];
  for (;;) {
    counts = await sql<{ status: string; n: string }>(`SELECT status, count(*) AS n FROM ${SCHEMA}.tasks GROUP BY status`);
    const unfinished = counts.filter((c) => ['pending', 'queued', 'in_progress'].includes(c.status)).reduce((a, c) => a + Number(c.n), 0);
    if (unfinished === 0 || Date.now() > until) break;
    await sleep(500);
  }
  const byStatus = Object.fromEntries(counts.map((c) => [c.status, Number(c.n)]));
  const [{ subtasks, completed_subtasks, max_attempts }] = await sql<{ subtasks: string; completed_subtasks: string; max_attempts: number }>(
    `SELECT count(*) AS subtasks, count(*) FILTER (WHERE status = 'completed') AS completed_subtasks, max(attempts) AS max_attempts FROM ${SCHEMA}.subtasks`,
  ) as [{ subtasks: string; completed_subtasks: string; max_attempts: number }];
  const writtenTwice = await sql<{ tbl: string; id: string; n: string }>(`SELECT tbl, id, count(*) AS n FROM ${SCHEMA}.completion_log GROUP BY tbl, id HAVING count(*) > 1`);
  const reinforced = await sql<{ n: string }>(`SELECT count(*) AS n FROM ${SCHEMA}.memory_items WHERE importance > 1`);
  const report = {
    submitted: submitted.length,
    by_status: byStatus,
    subtasks: Number(subtasks),
    completed_subtasks: Number(completed_subtasks),
    max_subtask_attempts: max_attempts,
    results_written_twice: writtenTwice.length,
    memory_written_twice: Number(reinforced[0]?.n ?? 0),
    chaos_ms: chaosDoneMs,
    total_ms: Date.now() - started,
  };
  mkdirSync(join(REPO_ROOT, 'test-results'), { recursive: true });
  writeFileSync(join(REPO_ROOT, 'test-results', 'chaos.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log(`chaos report: ${JSON.stringify(report)}`);
  if (byStatus.completed !== TASKS) {
    // What the processes said, to tell a stuck sweep from a stuck worker when this fails.
    for (const [name, proc] of processes) console.log(`${name} (last lines):\n${proc.lines.slice(-25).join('\n')}`);
  }

  expect(byStatus).toEqual({ completed: TASKS });
  expect(writtenTwice).toEqual([]);
  expect(report.memory_written_twice).toBe(0);
  expect(report.completed_subtasks).toBe(report.subtasks);
}, 180_000);
