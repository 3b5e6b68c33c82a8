import type { ApiClient } from '@mesh/testing';
import type { Redis } from 'ioredis';
import type { Db } from '@mesh/store';
import { CallCounters, countsBetween, type ProcessCallCounts } from '../call-counters';
import { API_STAGES, continuationTimes, STAGES, type ApiStage, type DecisionTrace, type JobTimes, type Stage } from '../continuation-latency';
import { callsPerTask } from '../load-run';
import { MeshCluster } from '../mesh-cluster';
import type { ResultRow } from '../report';
import type { ScenarioOutput, ScenarioRun } from '../scenario-context';
import { distribution, round, type Distribution } from '../stats';
import { assertSubmitted, expectStatus, submitTasks } from '../task-driver';

/** The simulated model's fixed latency per call. */
export const APPROVALS_L_MS = 50;
/** The target: from a decision's 200 to the continuation's next model call starting. */
export const APPROVALS_TARGET_MS = 50;
/**
 * After each 200 nothing of the benchmark's reaches the system for this long (then it waits for
 * the task's end with `?wait`): the continuation runs alone, and the call it leads to starts well
 * inside (measured: under 65 ms at the slowest).
 */
const QUIET_MS = 100;

const ANALYTICS_AGENT = {
  name: 'Analytics Specialist',
  type: 'analytics',
  description: 'Specializes in data analysis and performance insights: metrics, benchmarks, A/B tests, send-time optimisation',
  parameters: { temperature: 0.2, max_tokens: 4000 },
  capabilities: ['metrics', 'ab_testing', 'performance_analysis'],
};

const STAGE_LABELS: Record<Stage | ApiStage, string> = {
  answeredToResumePickup: '200 → the coordinator takes the resume job',
  resumeReads: 'resume job taken → its resume transaction begins (approval and task read)',
  resumeToDispatch: 'resume transaction → the subtask job added (transaction, deadline re-armed, wave dispatched)',
  subtaskPickup: 'subtask job added → the worker takes it',
  claim: 'subtask job taken → claimed in Postgres',
  claimToCall: 'claimed → the model call starts (memory, tools, prompt, model layer)',
  decisionHttp: 'decision POST → its 200 read by the client',
  commitToEnqueue: 'decide transaction → the resume job added',
  enqueueToAnswered: 'resume job added → the client has the 200',
};

interface Decision {
  taskId: string;
  approvalId: string;
  sentAt: number;
  answeredAt: number;
}

async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

/** A network whose only specialist is the Analytics Specialist (the simulated plan: one subtask), every plan approved by a person. */
async function createApprovalsNetwork(client: ApiClient): Promise<{ networkId: string; agentType: string }> {
  const network = await expectStatus(
    client,
    'POST',
    '/networks',
    { name: 'Approvals benchmark', description: 'One specialist; a person approves every plan.', agents: [ANALYTICS_AGENT], approvals: { plan: true } },
    201,
  );
  const specialists = (network.agents as { type: string }[]).filter((a) => a.type !== 'coordinator');
  if (specialists.length !== 1) throw new Error(`the approvals network has ${specialists.length} specialists, not 1: ${specialists.map((a) => a.type).join(', ')}`);
  if (network.approvals?.plan !== true) throw new Error(`the approvals network does not ask about plans: ${JSON.stringify(network.approvals)}`);
  return { networkId: network.id as string, agentType: specialists[0]!.type };
}

/** Waits until every task waits for a person with a pending plan approval (one aggregate query per poll). */
async function waitForPendingPlans(db: Db, taskIds: string[], timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await db.query<{ waiting: string; ended: string; statuses: string[] }>(
      `SELECT count(*) FILTER (WHERE t.status = 'awaiting_approval' AND EXISTS (SELECT 1 FROM approvals a WHERE a.task_id = t.id AND a.kind = 'plan' AND a.status = 'pending')) AS waiting,
              count(*) FILTER (WHERE t.status IN ('completed', 'failed', 'timed_out', 'cancelled')) AS ended,
              array_agg(DISTINCT t.status) AS statuses
       FROM tasks t WHERE t.id = ANY($1::uuid[])`,
      [taskIds],
    );
    const { waiting, ended, statuses } = rows[0]!;
    if (Number(ended) > 0) throw new Error(`${ended} task(s) ended before their plan was approved (statuses: ${statuses.join(', ')})`);
    if (Number(waiting) === taskIds.length) return;
    if (Date.now() > until) throw new Error(`${waiting} of ${taskIds.length} tasks wait for a plan approval after ${Math.round(timeoutMs / 1000)} s`);
    await sleep(100);
  }
}

/** The task's one pending plan approval, through the API (`GET …/tasks/{id}/approvals`). */
async function pendingPlanApproval(client: ApiClient, networkId: string, taskId: string): Promise<string> {
  const body = await expectStatus(client, 'GET', `/networks/${networkId}/tasks/${taskId}/approvals`, undefined, 200);
  const pending = (body.approvals as { approval_id: string; kind: string; status: string }[]).filter((a) => a.kind === 'plan' && a.status === 'pending');
  if (pending.length !== 1) throw new Error(`task ${taskId} has ${pending.length} pending plan approvals, not 1`);
  return pending[0]!.approval_id;
}

/**
 * Approves one plan and times the 200 (Date.now(): the clock of Postgres' now(), BullMQ's job
 * times and the worker's hook), then leaves the system alone for QUIET_MS and waits for the
 * task's end, so that the next decision finds it idle.
 */
async function decideAndWait(client: ApiClient, networkId: string, taskId: string, approvalId: string): Promise<Decision> {
  const sentAt = Date.now();
  const res = await client.request('POST', `/networks/${networkId}/approvals/${approvalId}`, { decision: 'approve' });
  const answeredAt = Date.now();
  if (res.status !== 200 || res.body?.status !== 'approved') throw new Error(`approving ${approvalId} answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
  await sleep(QUIET_MS);
  const task = await expectStatus(client, 'GET', `/networks/${networkId}/tasks/${taskId}?wait=30`, undefined, 200);
  if (task.status !== 'completed') throw new Error(`task ${taskId} ended ${task.status} after its plan was approved: ${task.error ?? ''}`);
  return { taskId, approvalId, sentAt, answeredAt };
}

interface TraceRow {
  approvalId: string;
  decidedAt: number | null;
  resumedAt: number | null;
  subtasks: { id: string; agentType: string; claimedAt: number | null }[];
  calls: { recordedAt: number; latencyMs: number }[];
}

async function readTraceRows(db: Db, approvalIds: string[]): Promise<Map<string, TraceRow>> {
  const ms = (col: string) => `(extract(epoch FROM ${col}) * 1000)::float8`;
  const { rows } = await db.query<TraceRow>(
    `SELECT a.id AS "approvalId", ${ms('a.decided_at')} AS "decidedAt", ${ms('a.resumed_at')} AS "resumedAt",
            (SELECT coalesce(json_agg(json_build_object('id', s.id, 'agentType', s.agent_type, 'claimedAt', ${ms('s.started_at')}) ORDER BY s.key), '[]')
               FROM subtasks s WHERE s.task_id = a.task_id AND s.iteration = (a.subject->>'iteration')::int) AS subtasks,
            (SELECT coalesce(json_agg(json_build_object('recordedAt', ${ms('c.created_at')}, 'latencyMs', c.latency_ms) ORDER BY c.id), '[]')
               FROM llm_calls c WHERE c.task_id = a.task_id AND c.purpose = 'subtask') AS calls
     FROM approvals a WHERE a.id = ANY($1::uuid[])`,
    [approvalIds],
  );
  return new Map(rows.map((r) => [r.approvalId, r]));
}

/** A job's times from its BullMQ hash (kept after completion: keepCompletedCount); null when it is no longer kept. */
async function readJobTimes(redis: Redis, keys: string[]): Promise<(JobTimes | null)[]> {
  const pipeline = redis.pipeline();
  for (const key of keys) pipeline.hmget(key, 'timestamp', 'processedOn', 'finishedOn');
  const results = (await pipeline.exec()) ?? [];
  return results.map(([err, value]) => {
    const [timestamp, processedOn, finishedOn] = (err ? [] : (value as (string | null)[])) as (string | null | undefined)[];
    if (!timestamp) return null;
    return { enqueuedAt: Number(timestamp), pickedUpAt: processedOn ? Number(processedOn) : null, finishedAt: finishedOn ? Number(finishedOn) : null };
  });
}

async function readTraces(run: ScenarioRun, agentType: string, decisions: Decision[]): Promise<DecisionTrace[]> {
  const rows = await readTraceRows(run.env.db, decisions.map((d) => d.approvalId));
  const prefix = run.env.queuePrefix;
  const subtaskOf = (d: Decision) => rows.get(d.approvalId)?.subtasks[0];
  const resumeJobs = await readJobTimes(run.env.redis, decisions.map((d) => `${prefix}:coordinator:resume-${d.approvalId}`));
  const subtaskJobs = await readJobTimes(
    run.env.redis,
    decisions.map((d) => `${prefix}:agent-${subtaskOf(d)?.agentType ?? agentType}:subtask-${subtaskOf(d)?.id ?? 'missing'}`),
  );
  return decisions.map((d, i) => {
    const row = rows.get(d.approvalId);
    return {
      taskId: d.taskId,
      sentAt: d.sentAt,
      answeredAt: d.answeredAt,
      decidedAt: row?.decidedAt ?? null,
      resumedAt: row?.resumedAt ?? null,
      resumeJob: resumeJobs[i] ?? null,
      subtaskJob: row?.subtasks.length === 1 ? (subtaskJobs[i] ?? null) : null,
      claimedAt: row?.subtasks.length === 1 ? (row.subtasks[0]!.claimedAt ?? null) : null,
      subtaskCalls: row?.calls ?? [],
    };
  });
}

/**
 * Scenario 7: how soon a person's decision takes effect. Tasks of a network that asks a person
 * about every plan (one specialist, so one subtask) are planned and left waiting; their plans are
 * then approved one at a time, each after the previous task has ended, through the real
 * processes with the simulated model at L. Measured per decision: the 200 of
 * `POST …/approvals/{id}` (the benchmark's clock) → the continuation's model call reaching the
 * provider in the worker (the `--require` hook's Date.now() at each call's start: the same wall
 * clock). Cross-checked with llm_calls (created_at − latency_ms), and broken down with the times
 * Postgres (decided_at, resumed_at, the claim) and BullMQ (each job's added / taken) recorded.
 */
export async function approvalsScenario(run: ScenarioRun): Promise<ScenarioOutput> {
  const tasks = run.ctx.args.quick ? 30 : 150;
  const warmup = 3;
  // The hook is where the call's start comes from, whatever --no-count says.
  run.counters ??= new CallCounters();
  const counters = run.counters;
  const cluster = run.track(
    await MeshCluster.start(run.env, { latencyMs: APPROVALS_L_MS, workers: 1, counters, ...(run.profileDir() ? { profileDir: run.profileDir()! } : {}) }),
  );
  const { networkId, agentType } = await createApprovalsNetwork(cluster.client);
  const settings = { tasks, warmup_tasks: warmup, decisions_in_flight: 1, quiet_after_each_200_ms: QUIET_MS, specialists: 1, ...cluster.settings() };

  run.ctx.log(`approvals: ${warmup + tasks} tasks planned and left waiting for a person, then approved one at a time; L = ${APPROVALS_L_MS} ms`);
  const taskIds = assertSubmitted(await submitTasks(cluster.client, networkId, warmup + tasks, { concurrency: 16 }));
  await waitForPendingPlans(run.env.db, taskIds, 60_000 + taskIds.length * 500);
  const approvalIds: string[] = [];
  for (const taskId of taskIds) approvalIds.push(await pendingPlanApproval(cluster.client, networkId, taskId));

  for (let i = 0; i < warmup; i++) await decideAndWait(cluster.client, networkId, taskIds[i]!, approvalIds[i]!);
  const worker = cluster.workers[0]!;
  const pids = cluster.processes.map((p) => p.pid);
  const before = await counters.snapshot(pids);
  const decisions: Decision[] = [];
  for (let i = warmup; i < taskIds.length; i++) decisions.push(await decideAndWait(cluster.client, networkId, taskIds[i]!, approvalIds[i]!));
  const after = await counters.snapshot(pids);

  const starts = after.get(worker.pid)?.model.starts;
  if (!starts) throw new Error("the worker's hook did not answer: no call start times");
  const times = continuationTimes(await readTraces(run, agentType, decisions), starts);
  if (times.toCallStart.length === 0) throw new Error(`nothing measured: ${times.problems.slice(0, 3).join(' | ')}`);

  const perProcess: Record<string, ProcessCallCounts> = {};
  for (const p of cluster.processes) {
    const c = countsBetween(before.get(p.pid) ?? null, after.get(p.pid) ?? null);
    if (c) perProcess[p.name] = c;
  }
  const calls = callsPerTask(perProcess, decisions.length);
  const latency = distribution(times.toCallStart);
  const estimated = distribution(times.toCallStartEstimated);
  const offset = distribution(times.estimateMinusDirect);
  const stage = (s: Stage | ApiStage): Distribution => distribution(times.stages[s]);
  const ms = (d: Distribution) => `${round(d.p50, 1)} / ${round(d.p95, 1)}`;
  const perProcessCalls = (key: 'pgQueries' | 'redisCommands') => ['api', 'coordinator', worker.name].map((name) => calls.byProcess[name]?.[key] ?? 0).join(' / ');
  const rows: ResultRow[] = [
    {
      metric: 'decision 200 → the continuation’s model call starts p50',
      value: round(latency.p50, 1),
      unit: 'ms',
      target: `≤ ${APPROVALS_TARGET_MS} ms`,
      pass: latency.p50 <= APPROVALS_TARGET_MS,
    },
    { metric: 'decision 200 → model call starts p95 / max', value: `${round(latency.p95, 1)} / ${round(latency.max, 1)}`, unit: 'ms' },
    { metric: 'decisions measured (one at a time, after warm-up)', value: `${latency.count} of ${decisions.length}` },
    { metric: 'cross-check from llm_calls (created_at − latency_ms − the 200) p50 / p95', value: ms(estimated), unit: 'ms' },
    { metric: '  that estimate − the start the hook saw p50 / max', value: `${round(offset.p50, 1)} / ${round(offset.max, 1)}`, unit: 'ms' },
    ...STAGES.map((s) => ({ metric: `  stage: ${STAGE_LABELS[s]} p50 / p95`, value: ms(stage(s)), unit: 'ms' })),
    ...API_STAGES.map((s) => ({ metric: `  API: ${STAGE_LABELS[s]} p50 / p95`, value: ms(stage(s)), unit: 'ms' })),
    { metric: 'Postgres queries per decided task, to its end (api / coordinator / worker)', value: perProcessCalls('pgQueries') },
    { metric: 'Redis commands per decided task, to its end (api / coordinator / worker)', value: perProcessCalls('redisCommands') },
  ];
  if (times.gaps.length > 0) rows.push({ metric: 'decisions whose stages are not all known (left out of the stages)', value: times.gaps.length });
  return {
    settings,
    rows,
    errors: times.problems,
    details: {
      latencyMs: APPROVALS_L_MS,
      targetMs: APPROVALS_TARGET_MS,
      clock: 'Date.now() in the benchmark and the processes, now() in Postgres: the one wall clock of this machine',
      decisionToCallStartMs: latency,
      decisionToCallStartEstimatedMs: estimated,
      estimateMinusDirectMs: offset,
      stagesMs: Object.fromEntries([...STAGES, ...API_STAGES].map((s) => [s, { label: STAGE_LABELS[s], ...stage(s) }])),
      slowestDecisions: [...times.perDecision].sort((a, b) => b.toCallStart - a.toCallStart).slice(0, 5),
      gaps: times.gaps.slice(0, 10),
      callsPerDecidedTask: calls,
    },
  };
}
