import type { Redis } from 'ioredis';
import type { Db } from '@mesh/store';
import { agentQueueName, COORDINATOR_QUEUE, jobIds, shareOf } from '@mesh/queue';
import type { ApiClient } from '@mesh/testing';
import { BENCH_API_KEY, BENCH_TENANT } from '../bench-env';
import {
  burstThroughput,
  burstValidityProblems,
  compareLatencies,
  completionRateBetween,
  criticalSubtask,
  fifoWaitEstimateMs,
  longestJobWaitMs,
  overtaking,
  PATH_STAGE_LABELS,
  PATH_STAGES,
  pathStages,
  SUBTASK_PART_LABELS,
  startedUnfinishedAt,
  SUBTASK_PARTS,
  subtaskParts,
  unfinishedAt,
  waveReadyAt,
  type JobRecord,
  type MeasuredTask,
  type PathStage,
  type SubtaskPart,
  type SubtaskRecord,
  type TaskJobs,
  type TaskSpan,
} from '../burst-fairness';
import { batcherWaitsBetween, countsBetween, poolWaitsBetween, type BatcherWaits, type PoolWaits } from '../call-counters';
import { postgresMeter, redisCpuMs } from '../load-run';
import { MeshCluster } from '../mesh-cluster';
import { CpuMeter } from '../proc-stats';
import type { ResultRow } from '../report';
import type { ScenarioOutput, ScenarioRun } from '../scenario-context';
import { distribution, percentile, round, type Distribution } from '../stats';
import { assertSubmitted, readTaskTimings, submitTasks, waitForTasks, type Submission } from '../task-driver';

/** The simulated model's fixed latency per call. */
export const FAIRNESS_L_MS = 30;
/** The issue's target: B's p50 while A's burst is worked off ≤ this × B's p50 on an idle system. */
export const FAIRNESS_TARGET_RATIO = 2;
/** B's steady pace under the burst: one task sent every this many ms, each tracked on its own. */
const B_INTERVAL_MS = 250;
const BURST_CLIENT_CONCURRENCY = 64;
const WAIT_SECONDS = 120;

/**
 * Settings given to the benchmark that are passed on to the processes, to try what would help
 * (the product's defaults otherwise): how many jobs each process runs at once and whether it
 * adapts that to how busy it is, its Postgres pool, the tenants' weights.
 */
const TRIED_SETTINGS = ['MESH_WORKER_CONCURRENCY', 'MESH_COORDINATOR_CONCURRENCY', 'MESH_ADAPTIVE_CONCURRENCY', 'DATABASE_POOL_SIZE', 'MESH_TENANT_WEIGHTS'] as const;

/** The test environment's tenants and keys (packages/testing), known to the processes through MESH_API_KEYS. */
const TENANT_A = { id: 'tenant-a', apiKey: 'key-tenant-a-123' };
const TENANT_B = { id: 'tenant-b', apiKey: 'key-tenant-b-456' };

interface QueueSample {
  atMs: number;
  /** The scheduler's own counts (the Redis hash TenantLoad keeps), as read then. */
  loadA: number;
  loadB: number;
  coordinator: { prioritized: number; wait: number; active: number };
  /** The specialists' agent queues, summed. */
  agents: { prioritized: number; wait: number; active: number };
}

async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

/** One task of the standard shape, submitted and waited for (`?wait`), timed by the client. */
async function submitAndWait(client: ApiClient, networkId: string, index: number): Promise<Submission> {
  const [s] = await submitTasks(client, networkId, 1, { concurrency: 1, waitSeconds: WAIT_SECONDS, firstIndex: index });
  if (!s!.taskId) throw new Error(`a task of tenant B was refused: ${s!.httpStatus} ${s!.error ?? ''}`);
  if (s!.status !== 'completed') throw new Error(`task ${s!.taskId} of tenant B was ${s!.status} when ?wait=${WAIT_SECONDS} answered`);
  return s!;
}

/** The tenants' counts and the queues' depths, in one pipeline (a dozen cheap commands). */
async function sampleQueues(redis: Redis, prefix: string, agentQueues: string[]): Promise<QueueSample> {
  const atMs = Date.now();
  const p = redis.pipeline();
  p.hmget(`${prefix}:tenant-load`, TENANT_A.id, TENANT_B.id);
  for (const q of [COORDINATOR_QUEUE, ...agentQueues]) p.zcard(`${prefix}:${q}:prioritized`).llen(`${prefix}:${q}:wait`).llen(`${prefix}:${q}:active`);
  const results = ((await p.exec()) ?? []).map(([err, v]) => (err ? null : v));
  const [load, ...depths] = results as [(string | null)[] | null, ...(number | null)[]];
  const depth = (i: number) => ({ prioritized: Number(depths[i * 3] ?? 0), wait: Number(depths[i * 3 + 1] ?? 0), active: Number(depths[i * 3 + 2] ?? 0) });
  const agents = { prioritized: 0, wait: 0, active: 0 };
  for (let i = 1; i <= agentQueues.length; i++) {
    const d = depth(i);
    agents.prioritized += d.prioritized;
    agents.wait += d.wait;
    agents.active += d.active;
  }
  return { atMs, loadA: Number(load?.[0] ?? 0), loadB: Number(load?.[1] ?? 0), coordinator: depth(0), agents };
}

/** B's tasks as the client and Postgres saw them. */
async function measured(db: Db, submissions: Submission[]): Promise<MeasuredTask[]> {
  const timings = new Map((await readTaskTimings(db, assertSubmitted(submissions))).map((t) => [t.id, t]));
  return submissions.map((s) => {
    const t = timings.get(s.taskId!);
    if (!t || t.status !== 'completed' || t.completedMs === null) throw new Error(`task ${s.taskId} of tenant B did not complete: ${t?.status ?? 'no row'}`);
    return { sentAtMs: s.sentAtMs, answeredAtMs: s.answeredAtMs, createdMs: t.createdMs, completedMs: t.completedMs };
  });
}

/**
 * The BullMQ jobs of each task (plan step, subtasks, wave parent) from their hashes, kept after
 * completion (MESH_JOBS_KEEP_COMPLETED_COUNT is raised for this scenario so that none is trimmed).
 */
async function readTaskJobs(db: Db, redis: Redis, prefix: string, tenant: string, taskIds: string[]): Promise<Map<string, TaskJobs>> {
  const { rows } = await db.query<{ task_id: string; id: string; agent_type: string }>('SELECT task_id, id, agent_type FROM subtasks WHERE task_id = ANY($1::uuid[]) ORDER BY task_id, key', [taskIds]);
  const subtasksOf = new Map<string, { id: string; agentType: string }[]>();
  for (const r of rows) subtasksOf.set(r.task_id, [...(subtasksOf.get(r.task_id) ?? []), { id: r.id, agentType: r.agent_type }]);
  const keys: { taskId: string; kind: 'step' | 'wave' | 'subtask'; queue: string; key: string }[] = [];
  for (const taskId of taskIds) {
    keys.push({ taskId, kind: 'step', queue: COORDINATOR_QUEUE, key: `${prefix}:${COORDINATOR_QUEUE}:${jobIds.step(taskId, 1)}` });
    keys.push({ taskId, kind: 'wave', queue: COORDINATOR_QUEUE, key: `${prefix}:${COORDINATOR_QUEUE}:${jobIds.wave(taskId, 1, 1)}` });
    for (const s of subtasksOf.get(taskId) ?? []) {
      const queue = agentQueueName(s.agentType);
      keys.push({ taskId, kind: 'subtask', queue, key: `${prefix}:${queue}:${jobIds.subtask(s.id)}` });
    }
  }
  const out = new Map<string, TaskJobs>(taskIds.map((id) => [id, { step: null, subtasks: [], wave: null }]));
  for (let start = 0; start < keys.length; start += 2000) {
    const batch = keys.slice(start, start + 2000);
    const p = redis.pipeline();
    for (const k of batch) p.hmget(k.key, 'timestamp', 'processedOn', 'finishedOn', 'priority');
    const results = (await p.exec()) ?? [];
    batch.forEach((k, i) => {
      const [err, value] = results[i] ?? [null, null];
      const [timestamp, processedOn, finishedOn, priority] = (err ? [] : (value as (string | null)[])) as (string | null | undefined)[];
      if (!timestamp) return;
      const job: JobRecord = {
        id: k.key.slice(`${prefix}:${k.queue}:`.length),
        queue: k.queue,
        tenant,
        addedAt: Number(timestamp),
        readyAt: Number(timestamp),
        takenAt: processedOn ? Number(processedOn) : null,
        finishedAt: finishedOn ? Number(finishedOn) : null,
        priority: Number(priority ?? 0),
      };
      const jobs = out.get(k.taskId)!;
      if (k.kind === 'step') jobs.step = job;
      else if (k.kind === 'wave') jobs.wave = job;
      else jobs.subtasks.push(job);
    });
  }
  for (const jobs of out.values()) if (jobs.wave) jobs.wave.readyAt = waveReadyAt(jobs.wave, jobs.subtasks);
  return out;
}

/** The subtasks' claim, stored result and model call row (purpose subtask), by subtask id. */
async function readSubtaskRecords(db: Db, subtaskIds: string[]): Promise<Map<string, SubtaskRecord>> {
  const ms = (col: string) => `(extract(epoch FROM ${col}) * 1000)::float8`;
  const { rows } = await db.query<SubtaskRecord & { id: string }>(
    `SELECT s.id, ${ms('s.started_at')} AS "claimedAt", ${ms('s.finished_at')} AS "finishedAt",
            ${ms('c.created_at')} AS "callRecordedAt", c.latency_ms AS "callLatencyMs"
     FROM subtasks s
     JOIN LATERAL (SELECT created_at, latency_ms FROM llm_calls WHERE subtask_id = s.id AND purpose = 'subtask' ORDER BY id DESC LIMIT 1) c ON true
     WHERE s.id = ANY($1::uuid[]) AND s.started_at IS NOT NULL AND s.finished_at IS NOT NULL`,
    [subtaskIds],
  );
  return new Map(rows.map((r) => [r.id, r]));
}

type JobKind = 'step' | 'subtask' | 'wave';
const JOB_KINDS: JobKind[] = ['step', 'subtask', 'wave'];
const jobsOfKind = (jobs: TaskJobs, kind: JobKind): JobRecord[] => (kind === 'step' ? (jobs.step ? [jobs.step] : []) : kind === 'wave' ? (jobs.wave ? [jobs.wave] : []) : jobs.subtasks);

/**
 * Scenario 8: fairness between tenants. Tenant B's tasks (the standard shape, L = 30 ms) are
 * timed one at a time on an idle mesh; then tenant A submits a burst (2,000 tasks; quick: 300)
 * as fast as the API takes them and, once all are in, B sends one task every 250 ms (each
 * waited for with `?wait`, tracked concurrently) while A's backlog is worked off. Target: B's p50
 * under the burst ≤ 2 × its idle p50 (client wall time around the POST). A's backlog at each of
 * B's submits comes from Postgres (rows created and not yet completed); the run is invalid
 * unless half the burst was unfinished at B's first submit and some was left at B's last
 * completion. Where B's time went comes from the BullMQ job hashes (added, taken, finished,
 * priority), so the report says which queue B's jobs waited in and whether A's jobs were taken
 * ahead of them.
 */
export async function fairnessScenario(run: ScenarioRun): Promise<ScenarioOutput> {
  const quick = run.ctx.args.quick;
  const burstSize = quick ? 300 : 2000;
  const bTasks = quick ? 10 : 20;
  const warmup = 3;
  const tried = Object.fromEntries(TRIED_SETTINGS.flatMap((k) => (process.env[k] ? [[k, process.env[k]!]] : []))) as Record<string, string>;
  const cluster = run.track(
    await MeshCluster.start(run.env, {
      latencyMs: FAIRNESS_L_MS,
      workers: 1,
      env: {
        ...tried,
        MESH_API_KEYS: `${BENCH_TENANT}:${BENCH_API_KEY},${TENANT_A.id}:${TENANT_A.apiKey},${TENANT_B.id}:${TENANT_B.apiKey}`,
        // The brakes off (as for every scenario), named here because this one is about a burst.
        MESH_MAX_QUEUED_TASKS_PER_TENANT: '0',
        MESH_RATE_LIMIT_PER_MINUTE: '0',
        // Every job's hash kept to the end: B's waits are read from them afterwards.
        MESH_JOBS_KEEP_COMPLETED_COUNT: '1000000',
      },
      ...(run.counters ? { counters: run.counters } : {}),
      ...(run.profileDir() ? { profileDir: run.profileDir()! } : {}),
    }),
  );
  const a = await cluster.tenantNetwork(TENANT_A.apiKey);
  const b = await cluster.tenantNetwork(TENANT_B.apiKey);
  const settings = {
    burst_tasks_tenant_a: burstSize,
    burst_client_concurrency: BURST_CLIENT_CONCURRENCY,
    tenant_b_tasks_per_phase: bTasks,
    tenant_b_interval_ms: B_INTERVAL_MS,
    warmup_tasks_per_tenant: warmup,
    MESH_TENANT_WEIGHTS: tried.MESH_TENANT_WEIGHTS ?? 'none set (1 each)',
    ...cluster.settings(),
  };
  const { db, redis, queuePrefix: prefix } = run.env;

  for (let i = 0; i < warmup; i++) {
    await submitAndWait(a.client, a.networkId, 1_000_000 + i);
    await submitAndWait(b.client, b.networkId, 1_000_000 + i);
  }
  const { rows: agentRows } = await db.query<{ type: string }>(`SELECT DISTINCT type FROM agents WHERE network_id = $1 AND type <> 'coordinator'`, [b.networkId]);
  const agentQueues = agentRows.map((r) => agentQueueName(r.type));

  run.ctx.log(`fairness: phase 1, ${bTasks} tasks of tenant B one at a time on the idle mesh (L = ${FAIRNESS_L_MS} ms)`);
  const idleSubmissions: Submission[] = [];
  for (let i = 0; i < bTasks; i++) idleSubmissions.push(await submitAndWait(b.client, b.networkId, i));

  run.ctx.log(`fairness: phase 2, tenant A submits ${burstSize} tasks${quick ? ' (quick: 2,000 in a full run)' : ''}, then B sends one every ${B_INTERVAL_MS} ms`);
  const burstStartedAt = Date.now();
  const burstSubmissions = await submitTasks(a.client, a.networkId, burstSize, { concurrency: BURST_CLIENT_CONCURRENCY, firstIndex: 10_000 });
  const burstSubmittedAt = Date.now();
  const aIds = assertSubmitted(burstSubmissions);

  const procs = () => [...cluster.processes.map((p) => ({ name: p.name, pid: p.pid })), { name: 'bench-driver', pid: process.pid }];
  const meter = new CpuMeter(procs);
  const pids = cluster.processes.map((p) => p.pid);
  const countsBefore = run.counters ? await run.counters.snapshot(pids) : undefined;
  const pgMeter = postgresMeter(db, () => cluster.processes.map((p) => p.pid));
  await pgMeter.begin();
  const redisBefore = await redisCpuMs(redis);
  meter.begin();
  const samples: QueueSample[] = [];
  const pending: Promise<Submission>[] = [];
  const firstSendAt = Date.now();
  for (let i = 0; i < bTasks; i++) {
    await sleep(Math.max(0, firstSendAt + i * B_INTERVAL_MS - Date.now()));
    pending.push(submitAndWait(b.client, b.networkId, 100 + i));
    samples.push(await sampleQueues(redis, prefix, agentQueues));
  }
  const burstBSubmissions = await Promise.all(pending);
  const cpu = meter.end();
  const pgCpu = await pgMeter.end();
  cpu.processes['postgres (our backends)'] = { cpuMs: pgCpu.cpuMs, corePercent: (100 * pgCpu.cpuMs) / cpu.wallMs };
  const redisMs = (await redisCpuMs(redis)) - redisBefore;
  cpu.processes['redis-server (all clients)'] = { cpuMs: redisMs, corePercent: (100 * redisMs) / cpu.wallMs };
  const countsAfter = run.counters ? await run.counters.snapshot(pids) : undefined;
  run.ctx.log('fairness: B done; waiting for the rest of A\'s burst');
  await waitForTasks(db, aIds, { timeoutMs: 300_000 + burstSize * 500 });

  const idle = await measured(db, idleSubmissions);
  const underBurst = await measured(db, burstBSubmissions);
  const aTimings = await readTaskTimings(db, aIds);
  const failedA = aTimings.filter((t) => t.status !== 'completed');
  if (failedA.length > 0) throw new Error(`${failedA.length} of tenant A's tasks did not complete: ${failedA.slice(0, 3).map((t) => `${t.status}: ${t.error}`).join(' | ')}`);
  const spans: TaskSpan[] = aTimings.map((t) => ({ createdMs: t.createdMs, startedMs: t.startedMs, completedMs: t.completedMs }));

  const latency = compareLatencies(idle, underBurst);
  const throughput = burstThroughput(spans);
  const backlogAtSubmit = underBurst.map((t) => unfinishedAt(spans, t.sentAtMs));
  const startedAtSubmit = underBurst.map((t) => startedUnfinishedAt(spans, t.sentAtMs));
  const lastBCompletedAt = Math.max(...underBurst.map((t) => t.completedMs));
  const backlogAtLastCompletion = unfinishedAt(spans, lastBCompletedAt);
  const problems = burstValidityProblems(burstSize, backlogAtSubmit[0]!, backlogAtLastCompletion);
  const rateDuringB = completionRateBetween(spans, underBurst[0]!.sentAtMs, lastBCompletedAt);
  const fifo = distribution(backlogAtSubmit.map((n) => fifoWaitEstimateMs(n, throughput.perSecond)));

  // Where the time went, and whether A's jobs were taken ahead of B's.
  const bJobs = await readTaskJobs(db, redis, prefix, TENANT_B.id, [...idleSubmissions, ...burstBSubmissions].map((s) => s.taskId!));
  const aJobs = await readTaskJobs(db, redis, prefix, TENANT_A.id, aIds);
  const allA = [...aJobs.values()].flatMap((j) => [...(j.step ? [j.step] : []), ...j.subtasks, ...(j.wave ? [j.wave] : [])]);
  const stagesOf = (subs: Submission[], tasks: MeasuredTask[]) => {
    const out = Object.fromEntries(PATH_STAGES.map((s) => [s, [] as number[]])) as Record<PathStage, number[]>;
    let missing = 0;
    subs.forEach((s, i) => {
      const stages = pathStages(tasks[i]!, bJobs.get(s.taskId!)!);
      if (!stages) missing += 1;
      else for (const st of PATH_STAGES) out[st].push(stages[st]);
    });
    return { stages: Object.fromEntries(PATH_STAGES.map((s) => [s, distribution(out[s])])) as Record<PathStage, Distribution>, missing };
  };
  // The critical subtask's run, split at what Postgres recorded.
  const criticalOf = (sub: Submission) => criticalSubtask(bJobs.get(sub.taskId!)!);
  const allB = [...idleSubmissions, ...burstBSubmissions];
  const subtaskIdOf = (job: JobRecord) => job.id.replace(/^subtask-/, '');
  const criticalJobs = allB.map(criticalOf).filter((c): c is JobRecord => c !== null);
  const subtaskRecords = await readSubtaskRecords(db, criticalJobs.map(subtaskIdOf));
  const partsOf = (subs: Submission[]) => {
    const out = Object.fromEntries(SUBTASK_PARTS.map((p) => [p, [] as number[]])) as Record<SubtaskPart, number[]>;
    for (const sub of subs) {
      const c = criticalOf(sub);
      const record = c ? subtaskRecords.get(subtaskIdOf(c)) : undefined;
      const parts = c && record ? subtaskParts(c, record) : null;
      if (parts) for (const p of SUBTASK_PARTS) out[p].push(parts[p]);
    }
    return Object.fromEntries(SUBTASK_PARTS.map((p) => [p, distribution(out[p])])) as Record<SubtaskPart, Distribution>;
  };
  const idleParts = partsOf(idleSubmissions);
  const burstParts = partsOf(burstBSubmissions);
  const idleStages = stagesOf(idleSubmissions, idle);
  const burstStages = stagesOf(burstBSubmissions, underBurst);
  const longestWaitBurst = distribution(burstBSubmissions.map((s) => longestJobWaitMs(bJobs.get(s.taskId!)!)));

  const overtakes = Object.fromEntries(
    JOB_KINDS.map((k) => [k, { jobs: 0, waitingAhead: 0, overtaken: 0, takenWhileWaiting: 0, worse: 0, worseWithinMs: 0, bPriority: [] as number[], waitMs: [] as number[] }]),
  ) as Record<JobKind, { jobs: number; waitingAhead: number; overtaken: number; takenWhileWaiting: number; worse: number; worseWithinMs: number; bPriority: number[]; waitMs: number[] }>;
  for (const s of burstBSubmissions) {
    const jobs = bJobs.get(s.taskId!)!;
    for (const kind of JOB_KINDS) {
      for (const job of jobsOfKind(jobs, kind)) {
        const o = overtaking(job, allA);
        const entry = overtakes[kind];
        entry.jobs += 1;
        entry.waitingAhead += o.waitingAhead;
        entry.overtaken += o.overtaken;
        entry.takenWhileWaiting += o.takenWhileWaiting;
        entry.worse += o.takenDespiteWorsePriority;
        entry.worseWithinMs = Math.max(entry.worseWithinMs, o.latestWorseAfterReadyMs);
        entry.bPriority.push(job.priority);
        if (job.takenAt !== null) entry.waitMs.push(job.takenAt - job.readyAt);
      }
    }
  }
  // A's jobs added while B was measured: the priorities B's jobs competed with.
  const windowStart = underBurst[0]!.sentAtMs;
  const aPrioritiesInWindow = (kind: JobKind) =>
    [...aJobs.values()].flatMap((j) => jobsOfKind(j, kind)).filter((job) => job.addedAt >= windowStart && job.addedAt <= lastBCompletedAt).map((job) => job.priority);

  // Inside the processes (the --require hook, unless --no-count): the Postgres pool's queue and the statements' own time while B was measured.
  const inside: Record<string, PoolWaits & { queries: number; meanQueryMs: number }> = {};
  const batchers: Record<string, Record<string, BatcherWaits>> = {};
  const slowest: Record<string, { sql: string; count: number; totalMs: number; meanMs: number }[]> = {};
  if (countsBefore && countsAfter) {
    for (const p of cluster.processes) {
      const before = countsBefore.get(p.pid) ?? null;
      const after = countsAfter.get(p.pid) ?? null;
      const pool = poolWaitsBetween(before, after, windowStart, lastBCompletedAt);
      const calls = countsBetween(before, after);
      if (!pool || !calls) continue;
      const queryMs = Object.values(calls.byStatement).reduce((t, st) => t + st.totalMs, 0);
      inside[p.name] = { ...pool, queries: calls.pgQueries, meanQueryMs: calls.pgQueries > 0 ? queryMs / calls.pgQueries : 0 };
      batchers[p.name] = batcherWaitsBetween(before, after, windowStart, lastBCompletedAt);
      slowest[p.name] = Object.entries(calls.byStatement)
        .map(([sql, st]) => ({ sql, count: st.count, totalMs: round(st.totalMs, 0), meanMs: round(st.totalMs / st.count, 1) }))
        .sort((x, y) => y.totalMs - x.totalMs)
        .slice(0, 8);
    }
  }

  const aPriorities = Object.fromEntries(JOB_KINDS.map((k) => [k, distribution([...aJobs.values()].flatMap((j) => jobsOfKind(j, k)).map((job) => job.priority))])) as Record<JobKind, Distribution>;

  // The weights the processes use (MESH_TENANT_WEIGHTS when tried, else 1), for the shares shown.
  const weightOf = (tenant: string) => Number(new RegExp(`(?:^|,)\\s*${tenant}:([\\d.]+)`).exec(tried.MESH_TENANT_WEIGHTS ?? '')?.[1] ?? 1);
  const shareA = (count: number) => shareOf(count, weightOf(TENANT_A.id));
  const maxLoadB = Math.max(...samples.map((s) => s.loadB));

  const ms = (d: Distribution) => `${round(d.p50, 1)} / ${round(d.p95, 1)}`;
  const median = (values: number[]) => percentile([...values].sort((x, y) => x - y), 50);
  const submitSeconds = (burstSubmittedAt - burstStartedAt) / 1000;
  const cpuShares = Object.entries(cpu.processes)
    .map(([name, p]) => `${name} ${Math.round(p.corePercent)}%`)
    .join(', ');
  const rows: ResultRow[] = [
    {
      metric: 'B under A’s burst ÷ B idle, p50 end-to-end (client wall time around POST ?wait)',
      value: round(latency.ratioClient, 2),
      unit: `× (${Math.round(latency.burstClientMs.p50)} ms ÷ ${Math.round(latency.idleClientMs.p50)} ms)`,
      target: `≤ ${FAIRNESS_TARGET_RATIO}`,
      pass: problems.length === 0 && latency.ratioClient <= FAIRNESS_TARGET_RATIO,
    },
    { metric: 'B idle p50 / p95 (client; one at a time)', value: ms(latency.idleClientMs), unit: `ms (${latency.idleClientMs.count} tasks)` },
    { metric: 'B under the burst p50 / p95 (client; one sent every 250 ms)', value: ms(latency.burstClientMs), unit: `ms (${latency.burstClientMs.count} tasks)` },
    {
      metric: 'cross-check, Postgres created → completed: B idle p50 / under burst p50 / ratio',
      value: `${round(latency.idleDbMs.p50, 1)} / ${round(latency.burstDbMs.p50, 1)} / ${round(latency.ratioDb, 2)}`,
      unit: 'ms / ms / ×',
    },
    {
      metric: `A’s burst: ${burstSize} tasks${quick ? ' (quick; 2,000 in a full run)' : ''} submitted in / worked off in (first created → last completed)`,
      value: `${round(submitSeconds, 1)} / ${round(throughput.durationMs / 1000, 1)}`,
      unit: `s (${round(burstSize / submitSeconds, 0)} submitted/s)`,
    },
    { metric: 'A’s throughput over the burst / while B was measured', value: `${round(throughput.perSecond, 1)} / ${round(rateDuringB, 1)}`, unit: 'tasks/s' },
    {
      metric: 'A’s backlog (unfinished, Postgres) at B’s submits: first / median / last; at B’s last completion',
      value: `${backlogAtSubmit[0]} / ${Math.round(median(backlogAtSubmit))} / ${backlogAtSubmit[backlogAtSubmit.length - 1]}; ${backlogAtLastCompletion}`,
      unit: `of ${burstSize}`,
      target: `≥ ${Math.ceil(burstSize / 2)} at the first; > 0 at the end`,
      pass: problems.length === 0,
    },
    {
      metric: '  of A’s backlog at B’s submits, tasks already started (first step begun) first / median / last',
      value: `${startedAtSubmit[0]} / ${Math.round(median(startedAtSubmit))} / ${startedAtSubmit[startedAtSubmit.length - 1]}`,
    },
    {
      metric: 'the scheduler’s counts at B’s submits (Redis tenant-load) A first → last / B max; shares',
      value: `${samples[0]!.loadA} → ${samples[samples.length - 1]!.loadA} / ${maxLoadB}; A ${shareA(samples[0]!.loadA)} → ${shareA(samples[samples.length - 1]!.loadA)}, B ≤ ${shareOf(maxLoadB, weightOf(TENANT_B.id))}`,
    },
    {
      metric: 'estimate, not measured: B served FIFO behind A’s backlog (backlog at submit ÷ A’s throughput) p50 / p95',
      value: ms(fifo),
      unit: 'ms of waiting',
    },
    ...PATH_STAGES.map((s) => ({
      metric: `  B’s path: ${PATH_STAGE_LABELS[s]} p50 idle / under burst`,
      value: `${round(idleStages.stages[s].p50, 1)} / ${round(burstStages.stages[s].p50, 1)}`,
      unit: 'ms',
    })),
    ...SUBTASK_PARTS.map((p) => ({
      metric: `    critical subtask: ${SUBTASK_PART_LABELS[p]} p50 idle / under burst`,
      value: `${round(idleParts[p].p50, 1)} / ${round(burstParts[p].p50, 1)}`,
      unit: 'ms',
    })),
    { metric: '  B under burst: the longest wait of any of a task’s jobs in its queue p50 / p95', value: ms(longestWaitBurst), unit: 'ms' },
    ...JOB_KINDS.map((kind) => {
      const o = overtakes[kind];
      const aPriorities = aPrioritiesInWindow(kind);
      return {
        metric: `  B’s ${kind} jobs under burst (${o.jobs}): wait p50 / max; A’s jobs waiting when each became runnable → of them left behind; A’s taken meanwhile (worse priority, the last how soon after); priority B / A`,
        value: `${round(median(o.waitMs), 1)} / ${round(Math.max(...o.waitMs), 1)} ms; ${o.waitingAhead} → ${o.overtaken}; ${o.takenWhileWaiting} (${o.worse}, ≤ ${round(o.worseWithinMs, 0)} ms); ${median(o.bPriority)} / ${aPriorities.length ? median(aPriorities) : 'n/a'}`,
      };
    }),
    {
      metric: '  A’s jobs over the whole burst, BullMQ priority min / median / max: plan steps; subtasks; waves (the share is fixed when a job is added)',
      value: JOB_KINDS.map((k) => {
        const d = aPriorities[k];
        return `${d.min} / ${d.p50} / ${d.max}`;
      }).join('; '),
    },
    {
      metric: '  queues at B’s submits (median): coordinator prioritized / active; agent queues prioritized / active',
      value: `${median(samples.map((s) => s.coordinator.prioritized + s.coordinator.wait))} / ${median(samples.map((s) => s.coordinator.active))}; ${median(samples.map((s) => s.agents.prioritized + s.agents.wait))} / ${median(samples.map((s) => s.agents.active))}`,
    },
    ...Object.entries(inside).map(([name, w]) => ({
      metric: `  ${name} while B was measured: Postgres pool checkouts, mean wait for a client; checkouts waiting median / max; clients in use; mean query time`,
      value: `${w.checkouts}, ${round(w.meanWaitMs, 1)} ms; ${w.waitingMedian} / ${w.waitingMax}; ${w.inUseMedian}; ${round(w.meanQueryMs, 1)} ms`,
    })),
    ...Object.entries(batchers).flatMap(([name, byLabel]) =>
      Object.entries(byLabel).map(([label, w]) => ({
        metric: `  ${name} while B was measured: store batcher ${label} (ordered by tenant share; 2 statements at once, plus one for more urgent requests): requests, mean submit → result; waiting median / max`,
        value: `${w.submits}, ${round(w.meanMs, 1)} ms; ${w.waitingMedian} / ${w.waitingMax}`,
      })),
    ),
    { metric: '  CPU while B was measured (share of one core)', value: `${cpuShares}; machine ${Math.round(cpu.machineBusyPercent)}%` },
  ];
  if (idleStages.missing + burstStages.missing > 0) rows.push({ metric: '  B tasks whose path could not be read (left out of the stages)', value: idleStages.missing + burstStages.missing });
  return {
    settings,
    rows,
    errors: problems,
    details: {
      latencyMs: FAIRNESS_L_MS,
      targetRatio: FAIRNESS_TARGET_RATIO,
      clock: 'client wall time (Date.now() around POST …/tasks?wait=120) for the target; Postgres created_at → completed_at as a cross-check; BullMQ job times for the path',
      latency,
      burst: { tasks: burstSize, submitSeconds, ...throughput, completionRateWhileBMeasured: rateDuringB },
      backlogAtBSubmits: backlogAtSubmit,
      startedBacklogAtBSubmits: startedAtSubmit,
      backlogAtLastBCompletion: backlogAtLastCompletion,
      backlogEvery2s: backlogCurve(spans, throughput.firstCreatedMs, throughput.lastCompletedMs, 2000),
      fifoEstimateMs: fifo,
      samples,
      stagesMs: { idle: idleStages.stages, underBurst: burstStages.stages },
      criticalSubtaskPartsMs: { idle: idleParts, underBurst: burstParts },
      overtaking: overtakes,
      aPrioritiesOverTheBurst: aPriorities,
      aPrioritiesInWindow: Object.fromEntries(JOB_KINDS.map((k) => [k, distribution(aPrioritiesInWindow(k))])),
      cpuWhileBMeasured: cpu,
      postgresPoolWhileBMeasured: inside,
      storeBatchersWhileBMeasured: batchers,
      statementsWhileBMeasured: slowest,
      perTaskUnderBurst: burstBSubmissions.map((s, i) => ({
        taskId: s.taskId,
        clientMs: underBurst[i]!.answeredAtMs - underBurst[i]!.sentAtMs,
        backlogA: backlogAtSubmit[i],
        stages: pathStages(underBurst[i]!, bJobs.get(s.taskId!)!),
      })),
    },
  };
}

/** A's backlog every `stepMs` from the first row to the last completion (for the JSON). */
function backlogCurve(spans: TaskSpan[], fromMs: number, toMs: number, stepMs: number): { atS: number; unfinished: number; started: number }[] {
  const out: { atS: number; unfinished: number; started: number }[] = [];
  for (let t = fromMs; t <= toMs; t += stepMs) out.push({ atS: round((t - fromMs) / 1000, 1), unfinished: unfinishedAt(spans, t), started: startedUnfinishedAt(spans, t) });
  return out;
}
