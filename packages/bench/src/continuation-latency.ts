/**
 * The arithmetic of the approvals scenario, kept apart from the processes so it can be checked
 * (continuation-latency.test.ts): which model call is a decision's continuation, when it started,
 * and where the time from the decision's answer to that start goes. Every time is epoch ms on
 * the machine's one wall clock: the benchmark's and the processes' Date.now(), Postgres' now().
 */

/** When BullMQ says a job was added, taken by a worker and ended (its hash: timestamp, processedOn, finishedOn). */
export interface JobTimes {
  enqueuedAt: number;
  pickedUpAt: number | null;
  finishedAt: number | null;
}

/** One decided plan approval, as the benchmark, Postgres and BullMQ recorded it. */
export interface DecisionTrace {
  taskId: string;
  /** The decision's POST sent, and its 200 read (the benchmark's clock). */
  sentAt: number;
  answeredAt: number;
  /** `approvals.decided_at` (the decide transaction) and `resumed_at` (the continuation's resume transaction). */
  decidedAt: number | null;
  resumedAt: number | null;
  /** The `resume` job on the coordinator queue. */
  resumeJob: JobTimes | null;
  /** The plan's one subtask: its job on the agent queue and its claim (`subtasks.started_at`). */
  subtaskJob: JobTimes | null;
  claimedAt: number | null;
  /** `llm_calls` of purpose subtask for the task, in order: when each row was written and the latency it records. */
  subtaskCalls: { recordedAt: number; latencyMs: number }[];
}

/**
 * From the decision's 200 to the next model call, as consecutive stages: their sum is the
 * latency measured (answeredToResumePickup may be negative: the coordinator can take the job
 * before the client has read its answer). The API's side is reported beside the chain.
 */
export const STAGES = [
  'answeredToResumePickup',
  'resumeReads',
  'resumeToDispatch',
  'subtaskPickup',
  'claim',
  'claimToCall',
] as const;
export type Stage = (typeof STAGES)[number];

export const API_STAGES = ['decisionHttp', 'commitToEnqueue', 'enqueueToAnswered'] as const;
export type ApiStage = (typeof API_STAGES)[number];

export interface ContinuationTimes {
  /** The 200 → the continuation's model call reached the provider (the call start the worker's hook saw), per decision. */
  toCallStart: number[];
  /** The same from llm_calls alone: created_at − latency_ms − the 200, per decision. */
  toCallStartEstimated: number[];
  /** How much later the llm_calls estimate puts the start than the hook saw it (the row is written after the call ends). */
  estimateMinusDirect: number[];
  stages: Record<Stage | ApiStage, number[]>;
  /** Each decision measured with its own stages (to see what made an outlier slow). */
  perDecision: { taskId: string; toCallStart: number; stages: Partial<Record<Stage | ApiStage, number>> }[];
  /** Decisions left out, and why (they make the run invalid). */
  problems: string[];
  /** Decisions measured whose stages are not all known (a job no longer kept, a time not written): left out of the stages only. */
  gaps: string[];
}

/** The start of a recorded call: its row is written as it ends, and latency_ms is how long it ran. */
export function estimatedCallStart(call: { recordedAt: number; latencyMs: number }): number {
  return call.recordedAt - call.latencyMs;
}

/**
 * The continuation's model call of each decision, and the stages before it. Decisions are made
 * one at a time, each after the previous task has ended, so the one call the worker's provider
 * started between a decision's POST and the next decision's POST is that decision's
 * continuation (a call that started before the 200 arrived still counts: it is then negative).
 * A decision without exactly one such call, or whose task did not make exactly one subtask
 * call, is a problem, not a number.
 */
export function continuationTimes(traces: readonly DecisionTrace[], providerStarts: readonly number[]): ContinuationTimes {
  const out: ContinuationTimes = {
    toCallStart: [],
    toCallStartEstimated: [],
    estimateMinusDirect: [],
    stages: Object.fromEntries([...STAGES, ...API_STAGES].map((s) => [s, []])) as unknown as Record<Stage | ApiStage, number[]>,
    perDecision: [],
    problems: [],
    gaps: [],
  };
  const ordered = [...traces].sort((a, b) => a.sentAt - b.sentAt);
  const starts = [...providerStarts].sort((a, b) => a - b);
  ordered.forEach((t, i) => {
    const windowEnd = ordered[i + 1]?.sentAt ?? Number.POSITIVE_INFINITY;
    const inWindow = starts.filter((s) => s >= t.sentAt && s < windowEnd);
    if (t.subtaskCalls.length !== 1) {
      out.problems.push(`task ${t.taskId}: ${t.subtaskCalls.length} subtask model call(s) recorded; expected 1`);
      return;
    }
    if (inWindow.length !== 1) {
      out.problems.push(`task ${t.taskId}: the worker's provider started ${inWindow.length} call(s) between this decision and the next; expected 1`);
      return;
    }
    const start = inWindow[0]!;
    const estimated = estimatedCallStart(t.subtaskCalls[0]!);
    out.toCallStart.push(start - t.answeredAt);
    out.toCallStartEstimated.push(estimated - t.answeredAt);
    out.estimateMinusDirect.push(estimated - start);
    const own: Partial<Record<Stage | ApiStage, number>> = {};
    out.perDecision.push({ taskId: t.taskId, toCallStart: start - t.answeredAt, stages: own });

    const push = (stage: Stage | ApiStage, from: number | null | undefined, to: number | null | undefined) => {
      if (from === null || from === undefined || to === null || to === undefined) return;
      out.stages[stage].push(to - from);
      own[stage] = to - from;
    };
    const resume = t.resumeJob;
    const subtask = t.subtaskJob;
    push('decisionHttp', t.sentAt, t.answeredAt);
    push('commitToEnqueue', t.decidedAt, resume?.enqueuedAt);
    push('enqueueToAnswered', resume?.enqueuedAt, t.answeredAt);
    // The chain only where every link is known, so that its stages add up to the latency.
    const chain = [t.answeredAt, resume?.pickedUpAt, t.resumedAt, subtask?.enqueuedAt, subtask?.pickedUpAt, t.claimedAt, start];
    if (chain.every((v) => v !== null && v !== undefined)) {
      STAGES.forEach((stage, k) => push(stage, chain[k], chain[k + 1]));
    } else {
      out.gaps.push(`task ${t.taskId}: a time of the continuation is missing (resume job, resumed_at, subtask job or claim)`);
    }
  });
  return out;
}
