import { dependencyDepths, TERMINAL_SUBTASK_STATUSES } from '@mesh/core';
import type { SubtaskRow } from '@mesh/store';

export function isSubtaskDone(s: Pick<SubtaskRow, 'status'>): boolean {
  return TERMINAL_SUBTASK_STATUSES.includes(s.status);
}

export interface NextWave {
  /** 1-based; the wave's job id is derived from it, so a re-delivered wave job computes the same one. */
  wave: number;
  subtasks: SubtaskRow[];
}

/**
 * The wave of `candidates` that runs first: those whose dependencies have all ended
 * (completed, failed or skipped: a failed dependency does not block its dependents, who are
 * told it failed), numbered by the shallowest depth among them. Null when none is ready.
 */
function readyWave(subtasks: SubtaskRow[], candidate: (s: SubtaskRow) => boolean): NextWave | null {
  const byKey = new Map(subtasks.map((s) => [s.key, s]));
  const ready = subtasks.filter(
    (s) =>
      candidate(s) &&
      s.depends_on.every((d) => {
        const dep = byKey.get(d);
        return !dep || isSubtaskDone(dep);
      }),
  );
  if (ready.length === 0) return null;
  const depths = dependencyDepths(subtasks);
  const wave = Math.min(...ready.map((s) => depths.get(s.key) ?? 0)) + 1;
  return { wave, subtasks: ready };
}

/** The next wave of an iteration to dispatch: its not-yet-started subtasks that are ready. */
export function nextWave(subtasks: SubtaskRow[]): NextWave | null {
  return readyWave(subtasks, (s) => s.status === 'pending' || s.status === 'queued');
}

/** The number of an iteration's last wave: its job runs the next iteration when the wave ends. */
export function lastWaveNumber(subtasks: SubtaskRow[]): number {
  const depths = dependencyDepths(subtasks);
  return Math.max(...subtasks.map((s) => depths.get(s.key) ?? 0)) + 1;
}

/** The job an unfinished task must have in the queue for its current iteration to go on. */
export type ExpectedJob =
  | { kind: 'step'; iteration: number }
  | { kind: 'finalize' }
  /** The wave that is running: its open subtasks whose dependencies have ended (running ones included). */
  | { kind: 'wave'; iteration: number; wave: number; subtasks: SubtaskRow[] }
  /** What is open waits for people, and nothing else runs: the task must wait too (or resume what was decided). */
  | { kind: 'settle' }
  /** Subtasks are open but none can run yet: the jobs of the running wave will move it on. */
  | { kind: 'none' };

/**
 * Which job must exist next, from the task's state in Postgres alone — the rule the engine
 * follows as it moves an iteration forward (see advanceIteration), stated once so the recovery
 * sweeper re-dispatches exactly what the engine would have enqueued.
 */
export function expectedJob(task: { iterations: number; max_iterations: number }, subtasks: SubtaskRow[]): ExpectedJob {
  const iteration = task.iterations;
  // Planning iteration max(1, i) has not stored a plan: its step must run.
  if (subtasks.length === 0) return { kind: 'step', iteration: Math.max(1, iteration) };
  // The iteration is over: the next step, or the final synthesis at max_iterations.
  if (subtasks.every(isSubtaskDone)) return iteration < task.max_iterations ? { kind: 'step', iteration: iteration + 1 } : { kind: 'finalize' };
  // A subtask parked for a person has no job on purpose.
  const running = readyWave(subtasks, (s) => !isSubtaskDone(s) && s.status !== 'awaiting_approval');
  if (running) return { kind: 'wave', iteration, ...running };
  return subtasks.some((s) => s.status === 'awaiting_approval') ? { kind: 'settle' } : { kind: 'none' };
}
