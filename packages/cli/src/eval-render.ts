import type { EvalComparison, EvalRun } from '@mesh/core';
import { formatTable } from './table';
import { oneLine, type Style } from './terminal-text';

/**
 * Evaluation runs as text: a run's cases (status, score, whether each passed and what failed),
 * the list of runs, and what a comparison found. Text from the API goes through oneLine.
 */

/** A rubric passes at this score (EVAL_LIMITS.rubricPassScore; the CLI bundles no zod). */
const RUBRIC_PASS_SCORE = 0.5;

const score = (value: number | null | undefined) => (value === null || value === undefined ? '-' : value.toFixed(2));

function runLine(run: EvalRun, style: Style): string {
  const label = run.label ? ` "${oneLine(run.label, 80)}"` : '';
  return `${style.bold('eval run')} ${run.eval_run_id}${label}: ${style.status(run.status)}, ${run.cases_scored}/${run.cases_total} scored, mean score ${score(run.mean_score)}, ${run.passed} passed, ${run.failed} failed`;
}

export function evalRunDetails(run: EvalRun, style: Style, width?: number): string {
  const rows = (run.results ?? []).map((r) => {
    const failures = r.assertions.filter((a) => !a.passed).map((a) => `${a.type}: ${a.detail}`);
    if (r.rubric && r.rubric.score < RUBRIC_PASS_SCORE) failures.push(`rubric: ${score(r.rubric.score)} (below ${RUBRIC_PASS_SCORE})`);
    const failed = r.error ? `error: ${r.error}` : failures.join('; ');
    const rubric = r.rubric ? ` (rubric ${score(r.rubric.score)})` : '';
    return [oneLine(r.case_id, 100), style.status(r.status), `${score(r.score)}${rubric}`, r.passed === null ? '-' : r.passed ? 'yes' : 'no', oneLine(failed || '-', 300)];
  });
  return [runLine(run, style), '', formatTable(['CASE', 'STATUS', 'SCORE', 'PASSED', 'FAILED ASSERTIONS'], rows, { maxWidth: width, flexible: [0, 4] })].join('\n');
}

export function evalRunList(runs: EvalRun[], style: Style, width?: number): string {
  if (runs.length === 0) return 'No evaluation runs yet: `mesh eval run <cases.jsonl> --network <network>` starts one.';
  const rows = runs.map((r) => [r.eval_run_id, oneLine(r.label ?? '-', 80), style.status(r.status), `${r.cases_scored}/${r.cases_total}`, score(r.mean_score), String(r.passed), String(r.failed), r.created_at]);
  return formatTable(['RUN', 'LABEL', 'STATUS', 'SCORED', 'MEAN', 'PASSED', 'FAILED', 'CREATED'], rows, { maxWidth: width, flexible: [1], rightAligned: [3, 4, 5, 6] });
}

export function evalComparisonDetails(comparison: EvalComparison, style: Style, width?: number): string {
  const changed = comparison.cases.filter((c) => c.change !== 'same');
  const head = [`a: ${runLine(comparison.a, style)}`, `b: ${runLine(comparison.b, style)}`, '', `${comparison.better} better, ${comparison.worse} worse, ${comparison.same} the same`];
  if (changed.length === 0) return [...head, '', 'No case changed.'].join('\n');
  const rows = changed.map((c) => [oneLine(c.case_id, 100), c.change, score(c.a_score), score(c.b_score)]);
  return [...head, '', formatTable(['CASE', 'CHANGE', 'A', 'B'], rows, { maxWidth: width, flexible: [0], rightAligned: [2, 3] })].join('\n');
}
