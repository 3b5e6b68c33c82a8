import type { TrendAgentType, TrendDay } from '@mesh/core';
import { useMemo, useState } from 'react';
import { meshApi } from '../api/mesh-api';
import { DayChart } from '../components/day-chart';
import { ErrorMessage } from '../components/error-message';
import { formatCost, formatCount, formatDuration } from '../lib/format';
import { formatRate, TREND_METRICS, TREND_RANGES, trendBounds, type TrendMetric, type TrendRange } from '../lib/trends';
import { useAsync } from '../lib/use-async';

const FORMATS: Record<TrendMetric, (value: number) => string> = {
  tasks: (v) => formatCount(v),
  failure_rate: (v) => formatRate(v),
  p95_duration_ms: (v) => formatDuration(v),
  cost_usd: (v) => formatCost(v),
};

/** Over time: throughput, latency, cost and failure rate per UTC day, and per agent type. */
export function TrendsPage() {
  const [range, setRange] = useState<TrendRange>(14);
  const [networkId, setNetworkId] = useState('');
  const [nowMs, setNowMs] = useState(() => Date.now());
  const bounds = useMemo(() => trendBounds(range, nowMs), [range, nowMs]);
  const report = useAsync((signal) => meshApi.trends({ ...bounds, network_id: networkId || undefined }, signal), [bounds.from, bounds.to, networkId]);
  const networks = useAsync((signal) => meshApi.listNetworks({ limit: 200 }, signal), []);
  const days = report.data?.days ?? [];

  return (
    <>
      <section className="panel">
        <div className="panel-head">
          <h2>Over time</h2>
          <button type="button" className="secondary" onClick={() => setNowMs(Date.now())}>
            Refresh
          </button>
        </div>
        <div className="form-row">
          <label>
            Range
            <select name="range" value={range} onChange={(e) => setRange(Number(e.target.value) as TrendRange)}>
              {TREND_RANGES.map((r) => (
                <option key={r} value={r}>
                  Last {r} days
                </option>
              ))}
            </select>
          </label>
          <label>
            Network
            <select name="network" value={networkId} onChange={(e) => setNetworkId(e.target.value)}>
              <option value="">All networks</option>
              {(networks.data?.networks ?? []).map((n) => (
                <option key={n.id} value={n.id}>
                  {n.name}
                </option>
              ))}
            </select>
          </label>
        </div>
        <p className="muted small">Tasks by the UTC day they were created; durations from start to end of those that ended; cost of all their model calls.</p>
        <ErrorMessage error={report.error} />
        {report.data &&
          TREND_METRICS.map(({ metric, title }) => (
            <div key={metric} className="trend-chart">
              <h3>{title}</h3>
              <DayChart days={days} metric={metric} format={FORMATS[metric]} />
            </div>
          ))}
      </section>
      {report.data && (
        <>
          <section className="panel">
            <h2>Per day</h2>
            <DayTable days={days} />
          </section>
          <section className="panel">
            <h2>Per agent type</h2>
            <AgentTypeTable types={report.data.agent_types} />
          </section>
        </>
      )}
    </>
  );
}

function DayTable({ days }: { days: readonly TrendDay[] }) {
  return (
    <table className="table" data-testid="trend-days">
      <thead>
        <tr>
          <th>Day (UTC)</th>
          <th className="num">Tasks</th>
          <th className="num">Completed</th>
          <th className="num">Failed</th>
          <th className="num">Timed out</th>
          <th className="num">Cancelled</th>
          <th className="num">Failure rate</th>
          <th className="num">Avg duration</th>
          <th className="num">p95 duration</th>
          <th className="num">Tokens</th>
          <th className="num">Cost</th>
        </tr>
      </thead>
      <tbody>
        {[...days].reverse().map((d) => (
          <tr key={d.day} data-testid="trend-day" data-day={d.day}>
            <td>{d.day}</td>
            <td className="num">{d.tasks}</td>
            <td className="num">{d.completed}</td>
            <td className="num">{d.failed}</td>
            <td className="num">{d.timed_out}</td>
            <td className="num">{d.cancelled}</td>
            <td className="num">{formatRate(d.failure_rate)}</td>
            <td className="num">{formatDuration(d.avg_duration_ms)}</td>
            <td className="num">{formatDuration(d.p95_duration_ms)}</td>
            <td className="num">{formatCount(d.tokens)}</td>
            <td className="num">{formatCost(d.cost_usd)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function AgentTypeTable({ types }: { types: readonly TrendAgentType[] }) {
  if (types.length === 0) return <p className="muted">No subtask ran in this range.</p>;
  return (
    <table className="table" data-testid="trend-agent-types">
      <thead>
        <tr>
          <th>Agent type</th>
          <th className="num">Subtasks</th>
          <th className="num">Completed</th>
          <th className="num">Failed</th>
          <th className="num">Timed out</th>
          <th className="num">Cancelled</th>
          <th className="num">Failure rate</th>
          <th className="num">Avg duration</th>
          <th className="num">p95 duration</th>
          <th className="num">Tokens</th>
          <th className="num">Cost</th>
        </tr>
      </thead>
      <tbody>
        {types.map((t) => (
          <tr key={t.agent_type} data-testid="trend-agent-type" data-agent-type={t.agent_type}>
            <td>{t.agent_type}</td>
            <td className="num">{t.subtasks}</td>
            <td className="num">{t.completed}</td>
            <td className="num">{t.failed}</td>
            <td className="num">{t.timed_out}</td>
            <td className="num">{t.cancelled}</td>
            <td className="num">{formatRate(t.failure_rate)}</td>
            <td className="num">{formatDuration(t.avg_duration_ms)}</td>
            <td className="num">{formatDuration(t.p95_duration_ms)}</td>
            <td className="num">{formatCount(t.tokens)}</td>
            <td className="num">{formatCost(t.cost_usd)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
