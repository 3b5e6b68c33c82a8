import { useState } from 'react';
import { meshApi } from '../api/mesh-api';
import type { EvalCaseResult, EvalComparison, EvalRun } from '../api/learning-types';
import { ErrorMessage } from '../components/error-message';
import { Link } from '../components/link';
import { StatusBadge } from '../components/status-badge';
import { CHANGE_LABELS, failedAssertions, formatScore, newestFirst, parseComparePair, runName, runProgress, togglePick } from '../lib/evals';
import { formatTime } from '../lib/format';
import { paths } from '../lib/router';
import { useAsync } from '../lib/use-async';
import { useInterval } from '../lib/use-interval';

/** How often a page with a running evaluation reads it again. */
const EVAL_REFRESH_MS = 3000;
const EVAL_LIST_LIMIT = 100;

/** Evaluation runs newest first; two picked are compared case by case (the pair stays in the URL). */
export function EvalsPage() {
  const runs = useAsync((signal) => meshApi.listEvals({ limit: EVAL_LIST_LIMIT }, signal), []);
  const [picked, setPicked] = useState<string[]>(() => {
    const pair = parseComparePair(window.location.search);
    return pair ? [pair.a, pair.b] : [];
  });
  const [pair, setPair] = useState(() => parseComparePair(window.location.search));
  const list = newestFirst(runs.data?.eval_runs ?? []);
  useInterval(() => {
    if (list.some((r) => r.status === 'running')) runs.reload();
  }, EVAL_REFRESH_MS);
  const compare = () => {
    const [a, b] = picked;
    if (!a || !b) return;
    setPair({ a, b });
    window.history.replaceState(null, '', paths.evals(`?a=${encodeURIComponent(a)}&b=${encodeURIComponent(b)}`));
  };
  return (
    <>
      <section className="panel">
        <div className="panel-head">
          <h2>Evaluations</h2>
          <button type="button" className="secondary" onClick={runs.reload}>
            Refresh
          </button>
        </div>
        <p className="muted small">
          Each run sends a set of cases through a network as tasks and scores their results (assertions, a rubric). Start one with <code>POST /api/mesh/evals</code>; pick two
          runs to compare them.
        </p>
        <ErrorMessage error={runs.error} />
        {runs.data && list.length === 0 && <p className="muted">No evaluation runs yet.</p>}
        {list.length > 0 && (
          <table className="table" data-testid="eval-runs">
            <thead>
              <tr>
                <th>Compare</th>
                <th>Run</th>
                <th>Status</th>
                <th className="num">Score</th>
                <th className="num">Passed</th>
                <th className="num">Failed</th>
                <th>Cases</th>
                <th>Started</th>
              </tr>
            </thead>
            <tbody>
              {list.map((r) => (
                <tr key={r.eval_run_id} data-testid="eval-run" data-eval-run-id={r.eval_run_id} data-status={r.status}>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`Compare ${runName(r)}`}
                      checked={picked.includes(r.eval_run_id)}
                      onChange={() => setPicked(togglePick(picked, r.eval_run_id))}
                    />
                  </td>
                  <td>
                    <Link href={paths.evalRun(r.eval_run_id)}>{runName(r)}</Link>
                  </td>
                  <td>
                    <StatusBadge status={r.status} />
                  </td>
                  <td className="num" data-testid="eval-run-score">
                    {formatScore(r.mean_score)}
                  </td>
                  <td className="num">{r.passed}</td>
                  <td className="num">{r.failed}</td>
                  <td className="small">{runProgress(r)}</td>
                  <td className="small">{formatTime(r.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {list.length > 1 && (
          <div className="inline eval-compare-controls">
            <button type="button" disabled={picked.length !== 2} onClick={compare}>
              Compare the two picked runs
            </button>
            <span className="muted small">{picked.length === 2 ? 'A is the first picked, B the second.' : `Pick two runs (${picked.length} picked).`}</span>
          </div>
        )}
      </section>
      {pair && <EvalCompare key={`${pair.a}/${pair.b}`} a={pair.a} b={pair.b} />}
    </>
  );
}

function EvalCompare({ a, b }: { a: string; b: string }) {
  const comparison = useAsync((signal) => meshApi.compareEvals(a, b, signal), [a, b]);
  return (
    <section className="panel" data-testid="eval-compare">
      <h2>Comparison</h2>
      <ErrorMessage error={comparison.error} />
      {comparison.data && <ComparisonTable comparison={comparison.data} />}
    </section>
  );
}

function ComparisonTable({ comparison }: { comparison: EvalComparison }) {
  const { a, b } = comparison;
  return (
    <>
      <p data-testid="eval-compare-summary">
        B ({runName(b)}) against A ({runName(a)}): <strong>{comparison.better}</strong> better, <strong>{comparison.worse}</strong> worse, <strong>{comparison.same}</strong> the same.
      </p>
      <p className="muted small">
        Mean score {formatScore(a.mean_score)} → {formatScore(b.mean_score)}.
      </p>
      <table className="table">
        <thead>
          <tr>
            <th>Case</th>
            <th className="num">A</th>
            <th className="num">B</th>
            <th>Change</th>
          </tr>
        </thead>
        <tbody>
          {comparison.cases.map((c) => (
            <tr key={c.case_id} data-testid="eval-compare-case" data-change={c.change}>
              <td>
                <code>{c.case_id}</code>
              </td>
              <td className="num">{formatScore(c.a_score)}</td>
              <td className="num">{formatScore(c.b_score)}</td>
              <td>
                <span className={`change change-${c.change}`}>{CHANGE_LABELS[c.change]}</span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

/** One evaluation run: its cases with score, assertions, the rubric's explanation and the task each ran as. */
export function EvalRunPage({ evalRunId }: { evalRunId: string }) {
  const run = useAsync((signal) => meshApi.getEval(evalRunId, signal), [evalRunId]);
  const data: EvalRun | undefined = run.data?.eval_run;
  useInterval(() => {
    if (data?.status === 'running') run.reload();
  }, EVAL_REFRESH_MS);
  if (run.error && !data) return <ErrorMessage error={run.error} />;
  if (!data) return <p className="muted">Loading…</p>;
  return (
    <>
      <section className="panel">
        <p className="crumbs">
          <Link href={paths.evals()}>Evaluations</Link> / run
        </p>
        <div className="panel-head">
          <h2 data-testid="eval-run-name">{runName(data)}</h2>
          <StatusBadge status={data.status} testId="eval-run-status" />
        </div>
        <dl className="facts">
          <dt>Score</dt>
          <dd data-testid="eval-run-mean">{formatScore(data.mean_score)}</dd>
          <dt>Passed</dt>
          <dd>{data.passed}</dd>
          <dt>Failed</dt>
          <dd>{data.failed}</dd>
          <dt>Cases</dt>
          <dd>{runProgress(data)}</dd>
          <dt>Started</dt>
          <dd>{formatTime(data.created_at)}</dd>
          <dt>Completed</dt>
          <dd>{formatTime(data.completed_at)}</dd>
        </dl>
      </section>
      <section className="panel">
        <h2>Cases</h2>
        <CaseTable results={data.results ?? []} />
      </section>
    </>
  );
}

function CaseTable({ results }: { results: readonly EvalCaseResult[] }) {
  if (results.length === 0) return <p className="muted">No case results.</p>;
  return (
    <table className="table" data-testid="eval-cases">
      <thead>
        <tr>
          <th>Case</th>
          <th>Status</th>
          <th className="num">Score</th>
          <th>Passed</th>
          <th>Failed assertions</th>
          <th>Rubric</th>
          <th>Task</th>
        </tr>
      </thead>
      <tbody>
        {results.map((r) => {
          const failed = failedAssertions(r);
          return (
            <tr key={r.case_id} data-testid="eval-case" data-case-id={r.case_id} data-passed={r.passed === null ? '' : String(r.passed)}>
              <td>
                <code>{r.case_id}</code>
              </td>
              <td>
                <StatusBadge status={r.status} />
                {r.error && <div className="error small">{r.error}</div>}
              </td>
              <td className="num" data-testid="eval-case-score">
                {formatScore(r.score)}
              </td>
              <td>{r.passed === null ? '–' : r.passed ? 'yes' : 'no'}</td>
              <td className="small" data-testid="eval-case-failed">
                {failed.length === 0 ? (
                  <span className="muted">{r.assertions.length === 0 ? '–' : `none of ${r.assertions.length}`}</span>
                ) : (
                  <ul className="plain-list">
                    {failed.map((a, i) => (
                      <li key={i}>
                        <code>{a.type}</code>: {a.detail}
                      </li>
                    ))}
                  </ul>
                )}
              </td>
              <td className="small">
                {r.rubric ? (
                  <>
                    <strong>{formatScore(r.rubric.score)}</strong> <span className="pre-wrap">{r.rubric.explanation}</span>
                  </>
                ) : (
                  <span className="muted">–</span>
                )}
              </td>
              <td className="small">
                {r.task_id ? (
                  <Link href={paths.task(r.network_id, r.task_id)} data-testid="eval-case-task">
                    open task
                  </Link>
                ) : (
                  <span className="muted">–</span>
                )}
                {r.task_status && <div className="muted">{r.task_status.replaceAll('_', ' ')}</div>}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
