import { TASK_STATUSES } from '@mesh/client';
import { useState, type FormEvent } from 'react';
import { meshApi } from '../api/mesh-api';
import { ErrorMessage } from '../components/error-message';
import { Link } from '../components/link';
import { StatusBadge } from '../components/status-badge';
import { formatCost, formatCount, formatDuration, formatTime } from '../lib/format';
import { paths } from '../lib/router';
import { pageLabel, parseRunsView, RUNS_PAGE_SIZE, runsQuery, runsViewSearch, EMPTY_RUNS_VIEW, type RunsView } from '../lib/runs';
import { useAsync } from '../lib/use-async';

/** The filters live in the URL (replaced, not pushed), so a reload or a shared link shows the same runs. */
function useRunsView(): [RunsView, (next: RunsView) => void] {
  const [view, setView] = useState(() => parseRunsView(window.location.search));
  const change = (next: RunsView) => {
    setView(next);
    window.history.replaceState(null, '', paths.runs(runsViewSearch(next)));
  };
  return [view, change];
}

/** Find any run: every task of the tenant across its networks, filtered, searched and paged. */
export function RunsPage() {
  const [view, setView] = useRunsView();
  // What the form shows; applied (and the page reset to 1) on submit.
  const [draft, setDraft] = useState(view);
  const query = runsQuery(view);
  const runs = useAsync((signal) => meshApi.listRuns(query, signal), [JSON.stringify(query)]);
  const networks = useAsync((signal) => meshApi.listNetworks({ limit: 200 }, signal), []);
  const edit = (change: Partial<RunsView>) => setDraft({ ...draft, ...change });
  const apply = (event: FormEvent) => {
    event.preventDefault();
    setView({ ...draft, page: 1 });
  };
  const data = runs.data;
  const pages = data ? Math.max(1, Math.ceil(data.total / RUNS_PAGE_SIZE)) : 1;

  return (
    <section className="panel">
      <div className="panel-head">
        <h2>Runs</h2>
        <button type="button" className="secondary" onClick={runs.reload}>
          Refresh
        </button>
      </div>
      <form className="form-row runs-filters" onSubmit={apply} data-testid="runs-filters">
        <label>
          Search
          <input name="q" type="search" value={draft.q} placeholder="task, result or error" onChange={(e) => edit({ q: e.target.value })} />
        </label>
        <label>
          Status
          <select name="status" value={draft.status} onChange={(e) => edit({ status: e.target.value })}>
            <option value="">Any status</option>
            {TASK_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s.replaceAll('_', ' ')}
              </option>
            ))}
          </select>
        </label>
        <label>
          Network
          <select name="network" value={draft.networkId} onChange={(e) => edit({ networkId: e.target.value })}>
            <option value="">All networks</option>
            {(networks.data?.networks ?? []).map((n) => (
              <option key={n.id} value={n.id}>
                {n.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Agent type
          <input name="agent_type" value={draft.agentType} placeholder="e.g. content" onChange={(e) => edit({ agentType: e.target.value })} />
        </label>
        <label>
          From (UTC)
          <input name="from" type="date" value={draft.fromDay} onChange={(e) => edit({ fromDay: e.target.value })} />
        </label>
        <label>
          To (UTC)
          <input name="to" type="date" value={draft.toDay} onChange={(e) => edit({ toDay: e.target.value })} />
        </label>
        <label>
          Min cost $
          <input name="min_cost_usd" type="number" min="0" step="any" value={draft.minCost} onChange={(e) => edit({ minCost: e.target.value })} />
        </label>
        <label>
          Max cost $
          <input name="max_cost_usd" type="number" min="0" step="any" value={draft.maxCost} onChange={(e) => edit({ maxCost: e.target.value })} />
        </label>
        <div className="inline">
          <button type="submit">Apply</button>
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setDraft(EMPTY_RUNS_VIEW);
              setView(EMPTY_RUNS_VIEW);
            }}
          >
            Clear
          </button>
        </div>
      </form>
      <ErrorMessage error={runs.error} />
      {data && (
        <>
          <p className="muted small" data-testid="runs-count">
            {pageLabel(view.page, data.runs.length, data.total)}
          </p>
          {data.runs.length > 0 && (
            <table className="table" data-testid="runs-table" data-loading={runs.loading}>
              <thead>
                <tr>
                  <th>Task</th>
                  <th>Network</th>
                  <th>Status</th>
                  <th>Agents</th>
                  <th className="num">Subtasks</th>
                  <th className="num">Tokens</th>
                  <th className="num">Cost</th>
                  <th className="num">Duration</th>
                  <th>Created</th>
                </tr>
              </thead>
              <tbody>
                {data.runs.map((r) => (
                  <tr key={r.id} data-testid="run" data-status={r.status}>
                    <td>
                      <Link href={paths.task(r.network_id, r.id)}>{r.task.length > 80 ? `${r.task.slice(0, 79)}…` : r.task}</Link>
                      {r.error && <div className="small muted">{r.error.length > 120 ? `${r.error.slice(0, 119)}…` : r.error}</div>}
                    </td>
                    <td>
                      <Link href={paths.network(r.network_id)}>{r.network_name}</Link>
                    </td>
                    <td>
                      <StatusBadge status={r.status} />
                    </td>
                    <td className="small">{r.agent_types.join(', ') || '–'}</td>
                    <td className="num">
                      {r.subtasks}
                      {r.failed_subtasks > 0 && <span className="badge badge-failed">{r.failed_subtasks} failed</span>}
                    </td>
                    <td className="num">{formatCount(r.usage.input_tokens + r.usage.output_tokens)}</td>
                    <td className="num">{formatCost(r.usage.cost_usd)}</td>
                    <td className="num">{formatDuration(r.duration_ms)}</td>
                    <td className="small">{formatTime(r.created_at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <div className="inline runs-pages">
            <button type="button" className="secondary" disabled={view.page <= 1} onClick={() => setView({ ...view, page: view.page - 1 })}>
              Previous
            </button>
            <span className="small" data-testid="runs-page">
              page {view.page} of {pages}
            </span>
            <button type="button" className="secondary" disabled={view.page >= pages} onClick={() => setView({ ...view, page: view.page + 1 })}>
              Next
            </button>
          </div>
        </>
      )}
    </section>
  );
}
