import { Queue } from 'bullmq';
import { agentQueueName } from '@mesh/queue';
import { CallCounters } from '../call-counters';
import { MeshCluster } from '../mesh-cluster';
import { sampleProcess } from '../proc-stats';
import type { ResultRow } from '../report';
import type { ScenarioOutput, ScenarioRun } from '../scenario-context';
import { round, sustainedPeak, type Sample } from '../stats';
import { assertSubmitted, submitTasks, waitForTasks } from '../task-driver';

export const CONCURRENCY_L_MS = 2_000;
export const CONCURRENCY_TARGET_IN_FLIGHT = 2_000;
export const CONCURRENCY_TARGET_RSS_MB = 512;
const SPECIALISTS = ['content', 'design', 'analytics', 'personalization'];
const SAMPLE_MS = 200;

interface ConcurrencySample {
  atMs: number;
  inProgress: number;
  active: number;
  rssMb: number;
}

/**
 * Scenario 3: how many model calls one worker process holds in flight at L = 2 s, and its RSS.
 * The subtasks are queued first (tasks submitted and planned while no worker runs), then one
 * worker (`--agents all --concurrency 1000`: 4 queues × 1000) starts and takes them: the
 * number in flight then depends on the worker alone, not on how fast the API and coordinator
 * can feed it. Counted: the simulated provider's calls in flight inside the worker (a --require
 * hook, every 100 ms); also sampled every 200 ms: subtasks in_progress (Postgres, which also counts
 * subtasks still loading or storing), BullMQ active jobs, and the worker's VmRSS.
 */
export async function concurrencyScenario(run: ScenarioRun): Promise<ScenarioOutput> {
  // 2,000 in flight needs more than 2,000 subtasks queued; the quick run queues just over that.
  const tasks = run.ctx.args.quick ? 520 : 600;
  const expected = tasks * SPECIALISTS.length;
  // The hook counts the simulated provider's calls in flight inside the worker.
  run.counters ??= new CallCounters();
  const counters = run.counters;
  const cluster = run.track(
    await MeshCluster.start(run.env, {
      latencyMs: CONCURRENCY_L_MS,
      workers: 0,
      workerArgs: ['--concurrency', '1000'],
      // Enough to plan every task at once (one model call each) while no worker runs.
      env: { MESH_COORDINATOR_CONCURRENCY: '600' },
      counters,
      ...(run.profileDir() ? { profileDir: run.profileDir()! } : {}),
    }),
  );
  run.ctx.log(`concurrency: queueing ${expected} subtasks (${tasks} tasks) before the worker starts`);
  const ids = assertSubmitted(await submitTasks(cluster.client, cluster.networkId, tasks, { concurrency: 64 }));
  const until = Date.now() + 120_000;
  for (;;) {
    const { rows } = await run.env.db.query<{ n: string }>(`SELECT count(*) AS n FROM subtasks WHERE status = 'queued'`);
    if (Number(rows[0]?.n) >= expected) break;
    if (Date.now() > until) throw new Error(`only ${rows[0]?.n} of ${expected} subtasks were queued within 120 s; last log lines:\n${cluster.recentLines()}`);
    await new Promise((r) => setTimeout(r, 250));
  }

  const queues = SPECIALISTS.map((t) => new Queue(agentQueueName(t), { connection: run.env.redis, prefix: run.env.queuePrefix }));
  const samples: ConcurrencySample[] = [];
  let sampling = true;
  let workerPid = 0;
  const sampler = (async () => {
    while (sampling) {
      const started = Date.now();
      const [{ rows }, actives] = await Promise.all([
        run.env.db.query<{ n: string }>(`SELECT count(*) AS n FROM subtasks WHERE status = 'in_progress'`),
        Promise.all(queues.map((q) => q.getActiveCount())),
      ]);
      const rss = workerPid ? (sampleProcess(workerPid)?.rssMb ?? 0) : 0;
      samples.push({ atMs: started, inProgress: Number(rows[0]?.n ?? 0), active: actives.reduce((a, b) => a + b, 0), rssMb: rss });
      await new Promise((r) => setTimeout(r, Math.max(0, SAMPLE_MS - (Date.now() - started))));
    }
  })();

  run.ctx.log('concurrency: starting the worker');
  const startAt = Date.now();
  const worker = await cluster.startWorker();
  workerPid = worker.pid;
  const readyMs = Date.now() - startAt;
  const idleRss = sampleProcess(workerPid)?.rssMb ?? 0;
  const drainUntil = Date.now() + 180_000;
  for (;;) {
    const { rows } = await run.env.db.query<{ n: string }>(`SELECT count(*) AS n FROM subtasks WHERE status IN ('completed', 'failed', 'skipped')`);
    if (Number(rows[0]?.n) >= expected) break;
    if (Date.now() > drainUntil) throw new Error(`only ${rows[0]?.n} of ${expected} subtasks ended within 180 s`);
    await new Promise((r) => setTimeout(r, 250));
  }
  sampling = false;
  await sampler;
  const snapshot = (await counters.snapshot([workerPid])).get(workerPid);
  const modelSeries: Sample[] = (snapshot?.model.samples ?? []).map(([atMs, value]) => ({ atMs, value }));
  await Promise.all(queues.map((q) => q.close()));
  // The full run also sees every task through its synthesis; the quick one stops once the
  // subtasks, which are what it measures, have ended (the processes drain what is running).
  if (!run.ctx.args.quick) await waitForTasks(run.env.db, ids, { timeoutMs: 120_000 });

  const { rows: starts } = await run.env.db.query<{ ms: number }>(`SELECT (extract(epoch FROM started_at) * 1000)::float8 AS ms FROM subtasks WHERE started_at IS NOT NULL ORDER BY started_at`);
  const startTimes = starts.map((r) => r.ms);
  const claimSpanMs = startTimes.length > 1 ? startTimes[startTimes.length - 1]! - startTimes[0]! : Number.NaN;
  const series = (k: 'inProgress' | 'active'): Sample[] => samples.map((s) => ({ atMs: s.atMs, value: s[k] }));
  const peak = Math.max(0, ...samples.map((s) => s.inProgress));
  const sustainedInProgress = sustainedPeak(series('inProgress'), 1_000);
  const sustained = sustainedPeak(modelSeries, 1_000);
  const peakModel = snapshot?.model.peak ?? 0;
  const peakActive = Math.max(0, ...samples.map((s) => s.active));
  const peakRss = Math.max(0, ...samples.map((s) => s.rssMb));
  const rows: ResultRow[] = [
    {
      metric: 'model calls in flight in one worker, sustained 1 s',
      value: sustained,
      target: `≥ ${CONCURRENCY_TARGET_IN_FLIGHT}`,
      pass: sustained >= CONCURRENCY_TARGET_IN_FLIGHT,
    },
    { metric: 'peak model calls in flight (simulated provider)', value: peakModel },
    { metric: 'peak subtasks in_progress (sustained 1 s) / BullMQ active', value: `${peak} (${sustainedInProgress}) / ${peakActive}` },
    { metric: 'worker peak RSS', value: round(peakRss, 0), unit: 'MB', target: `< ${CONCURRENCY_TARGET_RSS_MB} MB`, pass: peakRss > 0 && peakRss < CONCURRENCY_TARGET_RSS_MB },
    { metric: 'worker RSS when ready (idle)', value: round(idleRss, 0), unit: 'MB' },
    {
      metric: `time to start all ${expected} subtasks (claim rate)`,
      value: round(claimSpanMs / 1000, 2),
      unit: `s (${round(startTimes.length / (claimSpanMs / 1000), 0)} subtasks/s; ${CONCURRENCY_TARGET_IN_FLIGHT} in flight at L = ${CONCURRENCY_L_MS / 1000} s needs ${CONCURRENCY_TARGET_IN_FLIGHT / (CONCURRENCY_L_MS / 1000)}/s)`,
    },
  ];
  return {
    settings: { tasks, subtasks: expected, sample_ms: SAMPLE_MS, worker_started_after_queueing: true, ...cluster.settings() },
    rows,
    details: { sustained, peakModel, peakInProgress: peak, sustainedInProgress, peakActive, peakRssMb: peakRss, idleRssMb: idleRss, workerReadyMs: readyMs, claimSpanMs, samples, modelSamples: modelSeries.filter((s) => s.value > 0) },
  };
}
