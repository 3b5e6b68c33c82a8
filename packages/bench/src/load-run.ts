import type { Redis } from 'ioredis';
import type { Db } from '@mesh/store';
import { countsBetween, type ProcessCallCounts } from './call-counters';
import type { MeshCluster } from './mesh-cluster';
import { CpuMeter, PostgresCpuMeter } from './proc-stats';
import type { ScenarioRun } from './scenario-context';
import { distribution, overallRate, ratesBySlice, round, steadyStateRate, type Distribution } from './stats';
import { assertCompleted, assertSubmitted, readTaskTimings, submitTasks, waitForTasks } from './task-driver';

export interface ServerCounters {
  pgXactCommit: number;
  pgTupReturned: number;
  pgTupFetched: number;
  pgTupInserted: number;
  pgTupUpdated: number;
  redisCommands: number;
}

/** Whole-server counters (shared services: other clients on this machine count too). */
export async function serverCounters(db: Db, redis: Redis): Promise<ServerCounters> {
  const { rows } = await db.query<Record<string, string>>(
    `SELECT xact_commit, tup_returned, tup_fetched, tup_inserted, tup_updated FROM pg_stat_database WHERE datname = current_database()`,
  );
  const r = rows[0] ?? {};
  const stats = await redis.info('stats');
  return {
    pgXactCommit: Number(r.xact_commit ?? 0),
    pgTupReturned: Number(r.tup_returned ?? 0),
    pgTupFetched: Number(r.tup_fetched ?? 0),
    pgTupInserted: Number(r.tup_inserted ?? 0),
    pgTupUpdated: Number(r.tup_updated ?? 0),
    redisCommands: Number(/total_commands_processed:(\d+)/.exec(stats)?.[1] ?? 0),
  };
}

/** Redis's own CPU (main and background threads), in ms; the server is shared, so other clients count too. */
export async function redisCpuMs(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const user = Number(/used_cpu_user:([\d.]+)/.exec(info)?.[1] ?? 0);
  const sys = Number(/used_cpu_sys:([\d.]+)/.exec(info)?.[1] ?? 0);
  return (user + sys) * 1000;
}

/** The Postgres backends serving `pids`, found through pg_stat_activity by client port. */
export function postgresMeter(db: Db, pids: () => number[]): PostgresCpuMeter {
  return new PostgresCpuMeter(pids, async (ports) => {
    const { rows } = await db.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE client_port = ANY($1::int[])', [ports]);
    return rows.map((r) => r.pid);
  });
}

function diffServer(a: ServerCounters, b: ServerCounters, perTasks: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of Object.keys(a) as (keyof ServerCounters)[]) out[k] = round((b[k] - a[k]) / perTasks, 1);
  return out;
}

export interface CallsPerTask {
  pgQueries: number;
  redisCommands: number;
  redisRoundTrips: number;
  byProcess: Record<string, { pgQueries: number; redisCommands: number; redisRoundTrips: number }>;
  /** The statements and commands behind those numbers, most frequent first (per task). */
  topStatements: { process: string; sql: string; perTask: number; msPerCall: number }[];
  topCommands: { process: string; command: string; perTask: number }[];
}

export interface LoadMeasurement {
  tasks: number;
  tasksPerSecond: number;
  steadyTasksPerSecond: number;
  /** Tasks/s in each fifth of the completions: falling means the run slows down as it goes. */
  ratesByFifth: number[];
  /** Memory items in the network at the end (tasks add memory as they run). */
  memoryItemsAtEnd: number;
  durationMs: number;
  /** created_at → completed_at under this load. */
  endToEndMs: Distribution;
  cpu: ReturnType<CpuMeter['end']>;
  /** CPU milliseconds per completed task, per process. */
  cpuMsPerTask: Record<string, number>;
  calls?: CallsPerTask;
  serverPerTask: Record<string, number>;
}

/** Queries and commands per task from per-process counts over a window, with the most frequent of each. */
export function callsPerTask(perProcess: Record<string, ProcessCallCounts>, tasks: number): CallsPerTask {
  const byProcess: CallsPerTask['byProcess'] = {};
  const topStatements: CallsPerTask['topStatements'] = [];
  const topCommands: CallsPerTask['topCommands'] = [];
  let pg = 0;
  let cmds = 0;
  let trips = 0;
  for (const [name, c] of Object.entries(perProcess)) {
    byProcess[name] = { pgQueries: round(c.pgQueries / tasks, 2), redisCommands: round(c.redisCommands / tasks, 2), redisRoundTrips: round(c.redisRoundTrips / tasks, 2) };
    pg += c.pgQueries;
    cmds += c.redisCommands;
    trips += c.redisRoundTrips;
    for (const [sql, s] of Object.entries(c.byStatement)) topStatements.push({ process: name, sql, perTask: round(s.count / tasks, 2), msPerCall: round(s.totalMs / s.count, 2) });
    for (const [command, n] of Object.entries(c.byCommand)) topCommands.push({ process: name, command, perTask: round(n / tasks, 2) });
  }
  topStatements.sort((a, b) => b.perTask - a.perTask);
  topCommands.sort((a, b) => b.perTask - a.perTask);
  return {
    pgQueries: round(pg / tasks, 1),
    redisCommands: round(cmds / tasks, 1),
    redisRoundTrips: round(trips / tasks, 1),
    byProcess,
    topStatements: topStatements.slice(0, 40),
    topCommands: topCommands.slice(0, 40),
  };
}

/**
 * Drives `tasks` tasks through the API (`process: true`, `clientConcurrency` requests in
 * flight) after a short warm-up, waits for all of them by polling one count, then reads the
 * timings from Postgres: throughput = completed / (last completed_at − first created_at), plus
 * the steady-state rate over the middle 80 % of completions. CPU per process and, when
 * counting, queries and commands per task are taken over the same window.
 */
export async function measureLoad(
  run: ScenarioRun,
  cluster: MeshCluster,
  tasks: number,
  options: { clientConcurrency: number; warmupTasks: number },
): Promise<LoadMeasurement> {
  const { env, counters } = run;
  if (options.warmupTasks > 0) {
    const warm = await submitTasks(cluster.client, cluster.networkId, options.warmupTasks, { concurrency: Math.min(16, options.clientConcurrency), firstIndex: 1_000_000 });
    await waitForTasks(env.db, assertSubmitted(warm), { timeoutMs: 120_000 });
  }
  const procs = () => [...cluster.processes.map((p) => ({ name: p.name, pid: p.pid })), { name: 'bench-driver', pid: process.pid }];
  const meter = new CpuMeter(procs);
  const pids = cluster.processes.map((p) => p.pid);
  const before = counters ? await counters.snapshot(pids) : undefined;
  const serverBefore = await serverCounters(env.db, env.redis);
  const pgMeter = postgresMeter(env.db, () => cluster.processes.map((p) => p.pid));
  await pgMeter.begin();
  const redisBefore = await redisCpuMs(env.redis);
  meter.begin();
  const submissions = await submitTasks(cluster.client, cluster.networkId, tasks, { concurrency: options.clientConcurrency });
  const ids = assertSubmitted(submissions);
  await waitForTasks(env.db, ids, { timeoutMs: 300_000 + tasks * 2_000 });
  const cpu = meter.end();
  const pg = await pgMeter.end();
  cpu.processes['postgres (our backends)'] = { cpuMs: pg.cpuMs, corePercent: (100 * pg.cpuMs) / cpu.wallMs };
  const redisMs = (await redisCpuMs(env.redis)) - redisBefore;
  cpu.processes['redis-server (all clients)'] = { cpuMs: redisMs, corePercent: (100 * redisMs) / cpu.wallMs };
  const serverAfter = await serverCounters(env.db, env.redis);
  const after = counters ? await counters.snapshot(pids) : undefined;
  const timings = await readTaskTimings(env.db, ids);
  assertCompleted(timings);
  const firstCreated = Math.min(...timings.map((t) => t.createdMs));
  const completed = timings.map((t) => t.completedMs!);
  const cpuMsPerTask: Record<string, number> = {};
  for (const [name, p] of Object.entries(cpu.processes)) cpuMsPerTask[name] = round(p.cpuMs / tasks, 2);
  let calls: CallsPerTask | undefined;
  if (before && after) {
    const perProcess: Record<string, ProcessCallCounts> = {};
    for (const p of cluster.processes) {
      const c = countsBetween(before.get(p.pid) ?? null, after.get(p.pid) ?? null);
      if (c) perProcess[p.name] = c;
    }
    calls = callsPerTask(perProcess, tasks);
  }
  const { rows: memory } = await env.db.query<{ n: string }>('SELECT count(*) AS n FROM memory_items WHERE network_id = $1', [cluster.networkId]);
  return {
    tasks,
    tasksPerSecond: overallRate(firstCreated, completed),
    steadyTasksPerSecond: steadyStateRate(completed),
    ratesByFifth: ratesBySlice(completed, 5).map((r) => round(r, 1)),
    memoryItemsAtEnd: Number(memory[0]?.n ?? 0),
    durationMs: Math.max(...completed) - firstCreated,
    endToEndMs: distribution(timings.map((t) => t.completedMs! - t.createdMs)),
    cpu,
    cpuMsPerTask,
    ...(calls ? { calls } : {}),
    serverPerTask: diffServer(serverBefore, serverAfter, tasks),
  };
}
