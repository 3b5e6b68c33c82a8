import { TERMINAL_SUBTASK_STATUSES } from '@mesh/core';
import type { SubtaskRow } from '@mesh/store';
import { dependencyDepths } from './plan-validation';

export function isSubtaskDone(s: Pick<SubtaskRow, 'status'>): boolean {
  return TERMINAL_SUBTASK_STATUSES.includes(s.status);
}

export interface NextWave {
  /** 1-based; the wave's job id is derived from it, so a re-delivered wave job computes the same one. */
  wave: number;
  subtasks: SubtaskRow[];
}

/**
 * The next wave of an iteration: the not-yet-started subtasks whose dependencies have all ended
 * (completed, failed or skipped: a failed dependency does not block its dependents, who are
 * told it failed). Null when none is ready.
 */
export function nextWave(subtasks: SubtaskRow[]): NextWave | null {
  const byKey = new Map(subtasks.map((s) => [s.key, s]));
  const ready = subtasks.filter(
    (s) => (s.status === 'pending' || s.status === 'queued') && s.depends_on.every((d) => {
      const dep = byKey.get(d);
      return !dep || isSubtaskDone(dep);
    }),
  );
  if (ready.length === 0) return null;
  const depths = dependencyDepths(subtasks);
  const wave = Math.min(...ready.map((s) => depths.get(s.key) ?? 0)) + 1;
  return { wave, subtasks: ready };
}
