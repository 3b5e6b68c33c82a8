import type { EvalCaseChange, EvalCaseResult, EvalRun } from '../api/learning-types';

/** A 0..1 score as a percentage, or – when there is none yet. */
export function formatScore(score: number | null | undefined): string {
  return score === null || score === undefined || !Number.isFinite(score) ? '–' : `${Math.round(score * 100)}%`;
}

/** Runs newest first (the API's order; sorted again so a merged list stays so). */
export function newestFirst(runs: readonly EvalRun[]): EvalRun[] {
  return [...runs].sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at) || b.eval_run_id.localeCompare(a.eval_run_id));
}

/** What a run is called: its label, else the start of its id. */
export function runName(run: Pick<EvalRun, 'label' | 'eval_run_id'>): string {
  return run.label?.trim() || `run ${run.eval_run_id.slice(0, 8)}`;
}

/** "3 of 5 scored" while it runs. */
export function runProgress(run: EvalRun): string {
  return run.status === 'completed' ? `${run.cases_scored} of ${run.cases_total} scored` : `running: ${run.cases_scored} of ${run.cases_total} scored`;
}

/** The assertions of a case that failed. */
export function failedAssertions(result: EvalCaseResult): EvalCaseResult['assertions'] {
  return result.assertions.filter((a) => !a.passed);
}

/**
 * The two runs picked for a comparison, in the order picked; picking a third drops the oldest
 * pick, picking a picked one unpicks it.
 */
export function togglePick(picked: readonly string[], runId: string): string[] {
  if (picked.includes(runId)) return picked.filter((id) => id !== runId);
  return [...picked, runId].slice(-2);
}

/** The comparison's pair as the URL keeps it (`?a=…&b=…`), or null. */
export function parseComparePair(search: string): { a: string; b: string } | null {
  const params = new URLSearchParams(search);
  const a = params.get('a');
  const b = params.get('b');
  return a && b && a !== b ? { a, b } : null;
}

export const CHANGE_LABELS: Record<EvalCaseChange, string> = { better: 'better', worse: 'worse', same: 'same', added: 'only in B', removed: 'only in A' };
