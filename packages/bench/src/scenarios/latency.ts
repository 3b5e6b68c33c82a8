import type { Db } from '@mesh/store';
import { MeshCluster } from '../mesh-cluster';
import type { ResultRow } from '../report';
import type { ScenarioOutput, ScenarioRun } from '../scenario-context';
import { distribution, round, type Distribution } from '../stats';
import { assertSubmitted, submitTasks, waitForTasks, type Submission } from '../task-driver';

export const LATENCY_L_MS = 200;
/** Three sequential model calls on the critical path (plan, one subtask, synthesis), plus 10 %. */
export const LATENCY_P50_TARGET_MULTIPLE = 3.3;
export const LATENCY_OVERHEAD_TARGET_MS = 15;

interface TaskTrace {
  id: string;
  created: number;
  started: number;
  completed: number;
  subtasks: { created: number; started: number; finished: number; id: string }[];
  calls: { purpose: string; latency: number; at: number; subtask: string | null }[];
}

async function readTraces(db: Db, ids: string[]): Promise<TaskTrace[]> {
  const ms = (col: string) => `(extract(epoch FROM ${col}) * 1000)::float8`;
  const { rows } = await db.query<TaskTrace>(
    `SELECT t.id, ${ms('t.created_at')} AS created, ${ms('t.started_at')} AS started, ${ms('t.completed_at')} AS completed,
            (SELECT coalesce(json_agg(json_build_object('id', s.id, 'created', ${ms('s.created_at')}, 'started', ${ms('s.started_at')}, 'finished', ${ms('s.finished_at')})), '[]')
               FROM subtasks s WHERE s.task_id = t.id) AS subtasks,
            (SELECT coalesce(json_agg(json_build_object('purpose', c.purpose, 'latency', c.latency_ms, 'at', ${ms('c.created_at')}, 'subtask', c.subtask_id) ORDER BY c.id), '[]')
               FROM llm_calls c WHERE c.task_id = t.id) AS calls
     FROM tasks t WHERE t.id = ANY($1::uuid[]) AND t.status = 'completed'`,
    [ids],
  );
  return rows;
}

interface Phases {
  /** Row created by the API → the coordinator's first step begins. */
  submitToStep: number;
  /** Step 1 minus its model call: network, memory, plan stored. */
  planOverhead: number;
  /** Plan stored → the subtask on the critical path (the last to finish) starts. */
  dispatchToSubtaskStart: number;
  /** That subtask minus its model call: load, memory, result stored. */
  subtaskOverhead: number;
  /** Last subtask finished → task completed, minus the synthesis model call: wave job, step 2. */
  finishOverhead: number;
  /** Recorded model-call latency minus L, summed over the three calls on the critical path. */
  modelCallOverhead: number;
  /** The three critical-path model calls as recorded (latency_ms). */
  criticalModelMs: number;
}

function phasesOf(t: TaskTrace, latencyMs: number): Phases | null {
  const plans = t.calls.filter((c) => c.purpose === 'plan');
  const first = plans[0];
  const last = plans[plans.length - 1];
  if (!first || !last || plans.length < 2 || t.subtasks.length === 0) return null;
  const planned = Math.min(...t.subtasks.map((s) => s.created));
  const critical = t.subtasks.reduce((a, b) => (b.finished > a.finished ? b : a));
  const criticalCall = t.calls.find((c) => c.purpose === 'subtask' && c.subtask === critical.id);
  const subtaskModel = criticalCall?.latency ?? latencyMs;
  return {
    submitToStep: t.started - t.created,
    planOverhead: planned - t.started - first.latency,
    dispatchToSubtaskStart: critical.started - critical.created,
    subtaskOverhead: critical.finished - critical.started - subtaskModel,
    finishOverhead: t.completed - critical.finished - last.latency,
    modelCallOverhead: first.latency + subtaskModel + last.latency - 3 * latencyMs,
    criticalModelMs: first.latency + subtaskModel + last.latency,
  };
}

/**
 * Scenario 2: end-to-end latency at light load (one task at a time) with L = 200 ms, as the
 * client sees it (`?wait=` on submit: the API answers on the task's completion event) and as
 * Postgres records it; the orchestration overhead (end-to-end − 3 × L) and where it goes.
 */
export async function latencyScenario(run: ScenarioRun): Promise<ScenarioOutput> {
  const tasks = run.ctx.args.quick ? 12 : 100;
  const cluster = run.track(await MeshCluster.start(run.env, { latencyMs: LATENCY_L_MS, workers: 1, ...(run.profileDir() ? { profileDir: run.profileDir()! } : {}) }));
  const settings = { tasks, in_flight: 1, wait_seconds: 60, warmup_tasks: 3, ...cluster.settings() };
  const warm = await submitTasks(cluster.client, cluster.networkId, 3, { concurrency: 1, waitSeconds: 60, firstIndex: 1_000_000 });
  await waitForTasks(run.env.db, assertSubmitted(warm), { timeoutMs: 60_000 });
  run.ctx.log(`latency: ${tasks} tasks, one at a time, L = ${LATENCY_L_MS} ms`);
  const submissions: Submission[] = await submitTasks(cluster.client, cluster.networkId, tasks, { concurrency: 1, waitSeconds: 60 });
  const ids = assertSubmitted(submissions);
  const notEnded = submissions.filter((s) => s.status !== 'completed');
  if (notEnded.length > 0) throw new Error(`${notEnded.length} tasks were not completed when ?wait answered (first: ${notEnded[0]!.status})`);
  const traces = await readTraces(run.env.db, ids);
  const byId = new Map(traces.map((t) => [t.id, t]));
  const L = LATENCY_L_MS;
  const clientE2e = submissions.map((s) => s.answeredAtMs - s.sentAtMs);
  const dbE2e = traces.map((t) => t.completed - t.created);
  const phases = traces.map((t) => phasesOf(t, L)).filter((p): p is Phases => p !== null);
  const phase = (k: keyof Phases): Distribution => distribution(phases.map((p) => p[k]));
  const sentToCreated = distribution(submissions.map((s) => (byId.get(s.taskId!)?.created ?? Number.NaN) - s.sentAtMs));
  const completedToAnswer = distribution(submissions.map((s) => s.answeredAtMs - (byId.get(s.taskId!)?.completed ?? Number.NaN)));
  const client = distribution(clientE2e);
  const db = distribution(dbE2e);
  const overheadClient = distribution(clientE2e.map((e) => e - 3 * L));
  const overheadDb = distribution(dbE2e.map((e) => e - 3 * L));
  const ms = (d: Distribution) => `${round(d.p50, 1)} / ${round(d.p95, 1)}`;
  const rows: ResultRow[] = [
    { metric: 'end-to-end (client) p50', value: round(client.p50 / L, 2), unit: `× L (${Math.round(client.p50)} ms)`, target: `≤ ${LATENCY_P50_TARGET_MULTIPLE} × L`, pass: client.p50 <= LATENCY_P50_TARGET_MULTIPLE * L },
    { metric: 'end-to-end (client) p95 / p99', value: `${round(client.p95 / L, 2)} / ${round(client.p99 / L, 2)}`, unit: `× L (${Math.round(client.p95)} / ${Math.round(client.p99)} ms)` },
    { metric: 'end-to-end (Postgres created → completed) p50 / p95', value: ms(db), unit: 'ms' },
    { metric: 'orchestration overhead p50 (client e2e − 3 × L)', value: round(overheadClient.p50, 1), unit: 'ms', target: `≤ ${LATENCY_OVERHEAD_TARGET_MS} ms`, pass: overheadClient.p50 <= LATENCY_OVERHEAD_TARGET_MS },
    { metric: 'orchestration overhead p95 (client) / p50 (Postgres)', value: `${round(overheadClient.p95, 1)} / ${round(overheadDb.p50, 1)}`, unit: 'ms' },
    { metric: '  phase: HTTP request → task row created p50 / p95', value: ms(sentToCreated), unit: 'ms' },
    { metric: '  phase: task created → step 1 starts p50 / p95', value: ms(phase('submitToStep')), unit: 'ms' },
    { metric: '  phase: step 1 minus model p50 / p95', value: ms(phase('planOverhead')), unit: 'ms' },
    { metric: '  phase: plan stored → critical subtask starts p50 / p95', value: ms(phase('dispatchToSubtaskStart')), unit: 'ms' },
    { metric: '  phase: subtask minus model p50 / p95', value: ms(phase('subtaskOverhead')), unit: 'ms' },
    { metric: '  phase: last subtask → completed, minus model p50 / p95', value: ms(phase('finishOverhead')), unit: 'ms' },
    { metric: '  phase: model calls (recorded latency − L) × 3 p50 / p95', value: ms(phase('modelCallOverhead')), unit: 'ms' },
    { metric: '  phase: task completed → client has the answer p50 / p95', value: ms(completedToAnswer), unit: 'ms' },
  ];
  return {
    settings,
    rows,
    details: {
      latencyMs: L,
      clientEndToEndMs: client,
      postgresEndToEndMs: db,
      overheadClientMs: overheadClient,
      overheadPostgresMs: overheadDb,
      phasesMs: {
        httpToCreated: sentToCreated,
        createdToStep: phase('submitToStep'),
        planMinusModel: phase('planOverhead'),
        planStoredToCriticalSubtaskStart: phase('dispatchToSubtaskStart'),
        subtaskMinusModel: phase('subtaskOverhead'),
        lastSubtaskToCompletedMinusModel: phase('finishOverhead'),
        modelCallsMinusL: phase('modelCallOverhead'),
        criticalPathModelMs: phase('criticalModelMs'),
        completedToClientAnswer: completedToAnswer,
      },
    },
  };
}
