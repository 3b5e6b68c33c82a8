import type { TrendDay } from '@mesh/core';

/** The ranges the Over time page offers: the last N UTC days, today included. */
export const TREND_RANGES = [7, 14, 30] as const;
export type TrendRange = (typeof TREND_RANGES)[number];

/** [from, to) for the last `days` UTC days with today. */
export function trendBounds(days: TrendRange, nowMs: number): { from: string; to: string } {
  const now = new Date(nowMs);
  const to = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
  return { from: new Date(to - days * 86_400_000).toISOString(), to: new Date(to).toISOString() };
}

/** What one day's column shows, per chart. */
export type TrendMetric = 'tasks' | 'failure_rate' | 'p95_duration_ms' | 'cost_usd';

export const TREND_METRICS: { metric: TrendMetric; title: string }[] = [
  { metric: 'tasks', title: 'Throughput: tasks per day' },
  { metric: 'failure_rate', title: 'Failure rate (failed and timed out, of those that ended)' },
  { metric: 'p95_duration_ms', title: 'Latency: p95 task duration' },
  { metric: 'cost_usd', title: 'Cost per day' },
];

export function metricValue(day: TrendDay, metric: TrendMetric): number | null {
  return day[metric];
}

/** A percentage of a rate, or – when nothing ended. */
export function formatRate(rate: number | null): string {
  return rate === null ? '–' : `${Math.round(rate * 100)}%`;
}
