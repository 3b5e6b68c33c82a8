import { USAGE_GROUPS } from '@mesh/client';
import type { Budget, UsageReport } from '@mesh/core';
import { useMemo, useState } from 'react';
import { meshApi } from '../api/mesh-api';
import { BudgetMeter } from '../components/budget-meter';
import { ErrorMessage } from '../components/error-message';
import { UsageChart } from '../components/usage-chart';
import { formatCost, formatCount, formatTime } from '../lib/format';
import { useAsync } from '../lib/use-async';
import { GROUP_LABELS, parseUsageView, RANGE_LABELS, rangeBounds, rowLabel, USAGE_RANGES, usageChart, usageViewSearch, type UsageView } from '../lib/usage';
import { paths } from '../lib/router';

/** The choices live in the URL (replaced, not pushed), so a reload or a shared link shows the same view. */
function useUsageView(): [UsageView, (change: Partial<UsageView>) => void] {
  const [view, setView] = useState(() => parseUsageView(window.location.search));
  const change = (next: Partial<UsageView>) => {
    const merged = { ...view, ...next };
    setView(merged);
    window.history.replaceState(null, '', paths.usage(usageViewSearch(merged)));
  };
  return [view, change];
}

/** The tenant's model usage (chart and table) in a range, grouped, and its budgets. */
export function UsagePage() {
  const [view, change] = useUsageView();
  // The range's end is "now" when the choice was made (or Refresh was pressed).
  const [nowMs, setNowMs] = useState(() => Date.now());
  const bounds = useMemo(() => rangeBounds(view.range, nowMs), [view.range, nowMs]);
  const usage = useAsync(
    (signal) => meshApi.usage({ ...bounds, group_by: view.groupBy, network_id: view.networkId || undefined }, signal),
    [bounds.from, bounds.to, view.groupBy, view.networkId],
  );
  const budgets = useAsync((signal) => meshApi.budgets(signal), [nowMs]);
  const networks = useAsync((signal) => meshApi.listNetworks({ limit: 200 }, signal), []);
  const networkNames = useMemo(() => new Map((networks.data?.networks ?? []).map((n) => [n.id, n.name])), [networks.data]);
  const refresh = () => setNowMs(Date.now());

  return (
    <>
      <section className="panel">
        <div className="panel-head">
          <h2>Usage</h2>
          <button type="button" className="secondary" onClick={refresh}>
            Refresh
          </button>
        </div>
        <div className="form-row usage-controls">
          <label>
            Range
            <select name="range" value={view.range} onChange={(e) => change({ range: e.target.value as UsageView['range'] })}>
              {USAGE_RANGES.map((r) => (
                <option key={r} value={r}>
                  {RANGE_LABELS[r]}
                </option>
              ))}
            </select>
          </label>
          <label>
            Group by
            <select name="group_by" value={view.groupBy} onChange={(e) => change({ groupBy: e.target.value as UsageView['groupBy'] })}>
              {USAGE_GROUPS.map((g) => (
                <option key={g} value={g}>
                  {GROUP_LABELS[g]}
                </option>
              ))}
            </select>
          </label>
          <label>
            Network
            <select name="network" value={view.networkId} onChange={(e) => change({ networkId: e.target.value })}>
              <option value="">All networks</option>
              {(networks.data?.networks ?? []).map((n) => (
                <option key={n.id} value={n.id}>
                  {n.name}
                </option>
              ))}
            </select>
          </label>
          <fieldset className="choice usage-metric">
            <legend>Chart</legend>
            <label>
              <input type="radio" name="metric" checked={view.metric === 'tokens'} onChange={() => change({ metric: 'tokens' })} /> tokens
            </label>
            <label>
              <input type="radio" name="metric" checked={view.metric === 'cost'} onChange={() => change({ metric: 'cost' })} /> cost
            </label>
          </fieldset>
        </div>
        <ErrorMessage error={usage.error ?? networks.error} />
        {usage.data && <UsageReportView report={usage.data} metric={view.metric} networkNames={networkNames} loading={usage.loading} />}
        {usage.loading && !usage.data && <p className="muted">Loading…</p>}
      </section>
      <section className="panel">
        <h2>Budgets</h2>
        <ErrorMessage error={budgets.error} />
        {budgets.data && <BudgetList budgets={budgets.data.budgets} networkNames={networkNames} />}
        {budgets.loading && !budgets.data && <p className="muted">Loading…</p>}
      </section>
    </>
  );
}

function UsageReportView({ report, metric, networkNames, loading }: { report: UsageReport; metric: UsageView['metric']; networkNames: ReadonlyMap<string, string>; loading: boolean }) {
  const chart = useMemo(() => usageChart(report.rows, report.group_by, metric, networkNames), [report, metric, networkNames]);
  return (
    <div data-testid="usage-report" data-group-by={report.group_by} data-from={report.from} data-to={report.to} data-loading={loading}>
      <p className="muted">
        From {formatTime(report.from)} to {formatTime(report.to)}, by {GROUP_LABELS[report.group_by].replace(/^\w/, (c) => c.toLowerCase())}: {formatCount(report.total.tokens)} tokens,{' '}
        {formatCost(report.total.cost_usd)}, {formatCount(report.total.llm_calls)} model calls.
      </p>
      {chart.bars.length === 0 ? <p className="muted">No model calls in this range.</p> : <UsageChart chart={chart} metric={metric} />}
      <table className="table usage-table" data-testid="usage-table">
        <thead>
          <tr>
            <th>{GROUP_LABELS[report.group_by]}</th>
            <th className="num">Model calls</th>
            <th className="num">Input tokens</th>
            <th className="num">Output tokens</th>
            <th className="num">Tokens</th>
            <th className="num">Cost</th>
          </tr>
        </thead>
        <tbody>
          {chart.bars.map(({ row, label }) => (
            <tr key={row.key} data-testid="usage-row" data-key={row.key}>
              <td>
                {label}
                {label !== row.key && <div className="muted small mono">{row.key}</div>}
              </td>
              <td className="num">{formatCount(row.llm_calls)}</td>
              <td className="num">{formatCount(row.input_tokens)}</td>
              <td className="num">{formatCount(row.output_tokens)}</td>
              <td className="num">{formatCount(row.tokens)}</td>
              <td className="num">{formatCost(row.cost_usd)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr data-testid="usage-total" data-tokens={report.total.tokens} data-cost-usd={report.total.cost_usd} data-llm-calls={report.total.llm_calls}>
            <th>Total</th>
            <td className="num">{formatCount(report.total.llm_calls)}</td>
            <td className="num">{formatCount(report.total.input_tokens)}</td>
            <td className="num">{formatCount(report.total.output_tokens)}</td>
            <td className="num">{formatCount(report.total.tokens)}</td>
            <td className="num">{formatCost(report.total.cost_usd)}</td>
          </tr>
        </tfoot>
      </table>
    </div>
  );
}

function BudgetList({ budgets, networkNames }: { budgets: Budget[]; networkNames: ReadonlyMap<string, string> }) {
  if (budgets.length === 0) {
    return (
      <p className="muted" data-testid="no-budgets">
        No budgets: your tenant's model use is not limited. Operators set budgets per tenant or network and per UTC day or month (<code>mesh budgets set</code>).
      </p>
    );
  }
  return (
    <div className="budgets" data-testid="budgets">
      {budgets.map((b) => (
        <BudgetMeter key={b.id} budget={b} networkName={b.network_id === null ? undefined : networkNames.get(b.network_id)} />
      ))}
    </div>
  );
}
