/**
 * The arithmetic of the fairness scenario, kept apart from the processes so it can be checked
 * (burst-fairness.test.ts): tenant A's backlog at a moment, whether a run measured what it
 * claims (A's burst still being worked off while B was measured), the FIFO estimate, and where
 * one of B's tasks spent its time, job by job. Every time is epoch ms on the machine's one wall
 * clock: the benchmark's and the processes' Date.now() (BullMQ's job times), Postgres' now().
 */
import { distribution, type Distribution } from './stats';

/** One task of the burst, as Postgres recorded it. */
export interface TaskSpan {
  createdMs: number;
  /** The first step began (tasks.started_at); null: not yet, or not known. */
  startedMs?: number | null;
  /** null: not completed (the run is then broken anyway). */
  completedMs: number | null;
}

/** One of B's measured tasks: the client's request (wall time) and the task's row. */
export interface MeasuredTask {
  sentAtMs: number;
  answeredAtMs: number;
  createdMs: number;
  completedMs: number;
}

/**
 * A's unfinished tasks at `atMs`: rows created by then and not completed by then. Tasks whose
 * POST was still in flight have no row yet and are not counted (B is only started once A's
 * submissions have all been answered, so there are none).
 */
export function unfinishedAt(spans: readonly TaskSpan[], atMs: number): number {
  let n = 0;
  for (const s of spans) if (s.createdMs <= atMs && (s.completedMs === null || s.completedMs > atMs)) n += 1;
  return n;
}

/** Of A's unfinished tasks at `atMs`, those already started (their first step had begun): work in progress, not waiting to start. */
export function startedUnfinishedAt(spans: readonly TaskSpan[], atMs: number): number {
  let n = 0;
  for (const s of spans) if (s.startedMs != null && s.startedMs <= atMs && (s.completedMs === null || s.completedMs > atMs)) n += 1;
  return n;
}

/** Completions per second from the first row created to the last completion (NaN when none completed). */
export function burstThroughput(spans: readonly TaskSpan[]): { perSecond: number; durationMs: number; firstCreatedMs: number; lastCompletedMs: number } {
  const done = spans.filter((s) => s.completedMs !== null);
  if (done.length === 0) return { perSecond: Number.NaN, durationMs: Number.NaN, firstCreatedMs: Number.NaN, lastCompletedMs: Number.NaN };
  const firstCreatedMs = Math.min(...spans.map((s) => s.createdMs));
  const lastCompletedMs = Math.max(...done.map((s) => s.completedMs!));
  const durationMs = lastCompletedMs - firstCreatedMs;
  return { perSecond: durationMs > 0 ? (done.length * 1000) / durationMs : Number.NaN, durationMs, firstCreatedMs, lastCompletedMs };
}

/** Completions per second between two moments (A's drain rate while B was measured). */
export function completionRateBetween(spans: readonly TaskSpan[], fromMs: number, toMs: number): number {
  if (!(toMs > fromMs)) return Number.NaN;
  const n = spans.filter((s) => s.completedMs !== null && s.completedMs > fromMs && s.completedMs <= toMs).length;
  return (n * 1000) / (toMs - fromMs);
}

/** At least this share of A's burst must be unfinished when B's first task is sent. */
export const MIN_BACKLOG_SHARE_AT_FIRST_SUBMIT = 0.5;

/**
 * Why a run does not measure "B while A's burst is worked off" (empty: it does): A must have at
 * least half its burst unfinished when B's first task is sent, and some still unfinished when
 * B's last task completes.
 */
export function burstValidityProblems(burstSize: number, backlogAtFirstSubmit: number, backlogAtLastCompletion: number): string[] {
  const problems: string[] = [];
  const needed = Math.ceil(burstSize * MIN_BACKLOG_SHARE_AT_FIRST_SUBMIT);
  if (backlogAtFirstSubmit < needed) {
    problems.push(`invalid run: tenant A had ${backlogAtFirstSubmit} of its ${burstSize} tasks unfinished when B's first task was sent; at least ${needed} are needed`);
  }
  if (backlogAtLastCompletion <= 0) problems.push("invalid run: tenant A's burst had been worked off before B's last task completed");
  return problems;
}

/**
 * An estimate, not a measurement: how long a task of B would wait if the queues served it first
 * in, first out behind A's backlog — the tasks ahead of it divided by the rate A's tasks complete.
 */
export function fifoWaitEstimateMs(backlogAhead: number, throughputPerSecond: number): number {
  return throughputPerSecond > 0 ? (backlogAhead * 1000) / throughputPerSecond : Number.NaN;
}

export interface LatencyComparison {
  /** The client's wall time around `POST …/tasks?wait` (sent → answer read). */
  idleClientMs: Distribution;
  burstClientMs: Distribution;
  /** Postgres: tasks.created_at → completed_at. */
  idleDbMs: Distribution;
  burstDbMs: Distribution;
  /** p50 under the burst ÷ p50 idle, client (the target's figure) and Postgres (the cross-check). */
  ratioClient: number;
  ratioDb: number;
}

export function compareLatencies(idle: readonly MeasuredTask[], underBurst: readonly MeasuredTask[]): LatencyComparison {
  const client = (tasks: readonly MeasuredTask[]) => distribution(tasks.map((t) => t.answeredAtMs - t.sentAtMs));
  const db = (tasks: readonly MeasuredTask[]) => distribution(tasks.map((t) => t.completedMs - t.createdMs));
  const idleClientMs = client(idle);
  const burstClientMs = client(underBurst);
  const idleDbMs = db(idle);
  const burstDbMs = db(underBurst);
  return { idleClientMs, burstClientMs, idleDbMs, burstDbMs, ratioClient: burstClientMs.p50 / idleClientMs.p50, ratioDb: burstDbMs.p50 / idleDbMs.p50 };
}

/** One BullMQ job as its hash recorded it (timestamp, processedOn, finishedOn, priority). */
export interface JobRecord {
  /** The BullMQ job id (a subtask's is `subtask-<subtask id>`). */
  id: string;
  queue: string;
  /** Who the job's task belongs to. */
  tenant: string;
  addedAt: number;
  /** When it could first be taken: its add, or for a wave parent its last child's end (see waveReadyAt). */
  readyAt: number;
  takenAt: number | null;
  finishedAt: number | null;
  priority: number;
}

/** The jobs on one task's critical path of the standard shape: its plan step, its subtasks (one wave), the wave parent (synthesis). */
export interface TaskJobs {
  step: JobRecord | null;
  subtasks: JobRecord[];
  wave: JobRecord | null;
}

/**
 * From the POST to the answer, as consecutive stages (they add up to the client's latency):
 * which queue the task waited in, and how long its jobs ran once taken. The wave parent becomes
 * runnable when its last child ends, so its wait is counted from then.
 */
export const PATH_STAGES = [
  'httpToRow',
  'rowToStepTaken',
  'stepRun',
  'subtaskWait',
  'subtaskRun',
  'waveWait',
  'waveRunToCompleted',
  'completedToAnswer',
] as const;
export type PathStage = (typeof PATH_STAGES)[number];

export const PATH_STAGE_LABELS: Record<PathStage, string> = {
  httpToRow: 'POST sent → task row created (API)',
  rowToStepTaken: 'row created → plan step taken (coordinator queue)',
  stepRun: 'plan step taken → its subtask jobs added (plan model call, stored)',
  subtaskWait: 'subtask jobs added → the critical subtask taken (agent queue)',
  subtaskRun: 'critical subtask taken → finished (its model call, stored)',
  waveWait: 'last subtask finished → wave job taken (coordinator queue)',
  waveRunToCompleted: 'wave job taken → task completed (synthesis model call, stored)',
  completedToAnswer: 'task completed → the client has the answer (event, HTTP)',
};

/** The stages of one task, or null when a time is missing (a job hash no longer kept, a shape other than one wave). */
export function pathStages(task: MeasuredTask, jobs: TaskJobs): Record<PathStage, number> | null {
  const { step, wave, subtasks } = jobs;
  if (!step || !wave || subtasks.length === 0 || step.takenAt === null || wave.takenAt === null) return null;
  if (subtasks.some((s) => s.takenAt === null || s.finishedAt === null)) return null;
  const critical = criticalSubtask(jobs)!;
  const subtasksAdded = Math.min(...subtasks.map((s) => s.addedAt));
  const chain = [task.sentAtMs, task.createdMs, step.takenAt, subtasksAdded, critical.takenAt!, critical.finishedAt!, wave.takenAt, task.completedMs, task.answeredAtMs];
  return Object.fromEntries(PATH_STAGES.map((stage, k) => [stage, chain[k + 1]! - chain[k]!])) as Record<PathStage, number>;
}

/** The longest any one job of the task waited in its queue, from runnable to taken (the critical path may hide it). */
export function longestJobWaitMs(jobs: TaskJobs): number {
  const all = [...(jobs.step ? [jobs.step] : []), ...jobs.subtasks, ...(jobs.wave ? [jobs.wave] : [])];
  const waits = all.filter((j) => j.takenAt !== null).map((j) => j.takenAt! - j.readyAt);
  return waits.length > 0 ? Math.max(...waits) : Number.NaN;
}

export interface Overtaking {
  /** Other tenants' jobs waiting in the same queue when this one became runnable (runnable before it, taken after that moment). */
  waitingAhead: number;
  /** Of those, the ones taken after this job: it went ahead of them. */
  overtaken: number;
  /** Other tenants' jobs taken from the queue while this one waited (between its becoming runnable and its being taken). */
  takenWhileWaiting: number;
  /** Of those, the ones with a worse (higher) BullMQ priority number. */
  takenDespiteWorsePriority: number;
  /** How long after this job became runnable the last of those was taken (0 when none): a few ms is the clocks, not the queue. */
  latestWorseAfterReadyMs: number;
}

/**
 * What happened in the job's queue while it waited. A queue that honours priorities lets the job
 * go ahead of the other tenants' jobs of worse priority that were waiting (overtaken ≈
 * waitingAhead) and takes none of them while it waits. The times are the clients' stamps
 * (BullMQ's job timestamp is the producer's Date.now() before the add, processedOn and
 * finishedOn the worker's when it asks), so on a loaded machine a job within a round trip of
 * either boundary may be counted on the wrong side of it.
 */
export function overtaking(job: JobRecord, others: readonly JobRecord[]): Overtaking {
  const out: Overtaking = { waitingAhead: 0, overtaken: 0, takenWhileWaiting: 0, takenDespiteWorsePriority: 0, latestWorseAfterReadyMs: 0 };
  if (job.takenAt === null) return out;
  for (const o of others) {
    if (o.queue !== job.queue || o.tenant === job.tenant || o.takenAt === null) continue;
    if (o.readyAt <= job.readyAt && o.takenAt > job.readyAt) {
      out.waitingAhead += 1;
      // Taken in the same millisecond: fetched together (a worker asks for several jobs at once), not ahead of it.
      if (o.takenAt >= job.takenAt) out.overtaken += 1;
    }
    if (o.takenAt > job.readyAt && o.takenAt < job.takenAt) {
      out.takenWhileWaiting += 1;
      if (o.priority > job.priority) {
        out.takenDespiteWorsePriority += 1;
        out.latestWorseAfterReadyMs = Math.max(out.latestWorseAfterReadyMs, o.takenAt - job.readyAt);
      }
    }
  }
  return out;
}

/** When a wave parent could first run: its last child's end (it waits for its children until then); any other job: its add. */
export function waveReadyAt(wave: JobRecord, subtasks: readonly JobRecord[]): number {
  if (subtasks.length === 0 || subtasks.some((s) => s.finishedAt === null)) return wave.addedAt;
  return Math.max(...subtasks.map((s) => s.finishedAt!));
}

/** The critical subtask as Postgres recorded it: its claim, its model call's row, its result stored. */
export interface SubtaskRecord {
  claimedAt: number;
  finishedAt: number;
  /** The llm_calls row: written when the call has ended (created_at), and how long the call took. */
  callRecordedAt: number;
  callLatencyMs: number;
}

export const SUBTASK_PARTS = ['takenToClaimed', 'claimedToCall', 'call', 'callToStored', 'storedToJobEnd'] as const;
export type SubtaskPart = (typeof SUBTASK_PARTS)[number];

export const SUBTASK_PART_LABELS: Record<SubtaskPart, string> = {
  takenToClaimed: 'job taken → claimed in Postgres (one statement)',
  claimedToCall: 'claimed → model call starts (memory, tools, prompt; start = row written − latency)',
  call: 'the model call (latency_ms recorded; L = the simulated latency)',
  callToStored: 'call ended → result stored (subtasks.finished_at)',
  storedToJobEnd: 'result stored → the job finished (BullMQ)',
};

/**
 * The critical subtask's run split at the times Postgres recorded; the parts add up to its run
 * (job taken → finished). The call's start is estimated from its row (created_at − latency_ms),
 * which is written a little after the call ends: that little moves from the last part to the
 * second.
 */
export function subtaskParts(job: JobRecord, record: SubtaskRecord): Record<SubtaskPart, number> | null {
  if (job.takenAt === null || job.finishedAt === null) return null;
  const callStart = record.callRecordedAt - record.callLatencyMs;
  const chain = [job.takenAt, record.claimedAt, callStart, callStart + record.callLatencyMs, record.finishedAt, job.finishedAt];
  return Object.fromEntries(SUBTASK_PARTS.map((part, k) => [part, chain[k + 1]! - chain[k]!])) as Record<SubtaskPart, number>;
}

/** The subtask the wave waited for: the last of its jobs to finish (null when one has not). */
export function criticalSubtask(jobs: TaskJobs): JobRecord | null {
  if (jobs.subtasks.length === 0 || jobs.subtasks.some((s) => s.finishedAt === null)) return null;
  return jobs.subtasks.reduce((a, b) => (b.finishedAt! > a.finishedAt! ? b : a));
}
