import { USAGE_GROUPS } from '@mesh/client';
import type { UsageGroup, UsageRow } from '@mesh/core';

/** The Usage page's choices and its chart, without React. */

export const USAGE_RANGES = ['month', '7d', '30d'] as const;
export type UsageRange = (typeof USAGE_RANGES)[number];

export const RANGE_LABELS: Record<UsageRange, string> = { month: 'This month', '7d': 'Last 7 days', '30d': 'Last 30 days' };
export const GROUP_LABELS: Record<UsageGroup, string> = { day: 'Day (UTC)', network: 'Network', agent_type: 'Agent type', model: 'Model' };

export type UsageMetric = 'tokens' | 'cost';

const DAY_MS = 86_400_000;

/** [from, to) of a range: this UTC month so far (the API's default), or the last 7 or 30 UTC days, today included. */
export function rangeBounds(range: UsageRange, nowMs: number): { from: string; to: string } {
  const now = new Date(nowMs);
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const from = range === 'month' ? Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1) : today - ((range === '7d' ? 7 : 30) - 1) * DAY_MS;
  return { from: new Date(from).toISOString(), to: now.toISOString() };
}

/** The page's choices as its URL keeps them (`?range=7d&group_by=model&network=…`); unknown values fall back to the defaults. */
export interface UsageView {
  range: UsageRange;
  groupBy: UsageGroup;
  networkId: string;
  metric: UsageMetric;
}

const pick = <T extends string>(value: string | null, allowed: readonly T[], fallback: T): T => allowed.find((a) => a === value) ?? fallback;

export function parseUsageView(search: string): UsageView {
  const params = new URLSearchParams(search);
  return {
    range: pick(params.get('range'), USAGE_RANGES, 'month'),
    groupBy: pick(params.get('group_by'), USAGE_GROUPS, 'day'),
    networkId: params.get('network') ?? '',
    metric: pick(params.get('metric'), ['tokens', 'cost'] as const, 'tokens'),
  };
}

/** The query string for `view`, leaving out what is the default. */
export function usageViewSearch(view: UsageView): string {
  const params = new URLSearchParams();
  if (view.range !== 'month') params.set('range', view.range);
  if (view.groupBy !== 'day') params.set('group_by', view.groupBy);
  if (view.networkId) params.set('network', view.networkId);
  if (view.metric !== 'tokens') params.set('metric', view.metric);
  const search = params.toString();
  return search ? `?${search}` : '';
}

/** The usage row key of model calls that belong to no network. */
const NO_NETWORK_KEY = 'none';

/** What a row is called: a network by its name (when it is one of the tenant's), the rest by key. */
export function rowLabel(groupBy: UsageGroup, key: string, networkNames: ReadonlyMap<string, string>): string {
  if (groupBy !== 'network') return key;
  if (key === NO_NETWORK_KEY) return '(no network)';
  return networkNames.get(key) ?? key;
}

export interface UsageBar {
  row: UsageRow;
  label: string;
  value: number;
  /** The bar's parts as shares of the axis: tokens in and out, or the one cost part. */
  segments: { part: 'input' | 'output' | 'cost'; share: number }[];
}

export interface UsageChartModel {
  bars: UsageBar[];
  /** The axis runs from 0 to this (a round number at or above the largest value). */
  axisMax: number;
  ticks: number[];
}

/** A round step (1, 2 or 5 × 10^n) that cuts [0, max] into about `count` parts; max > 0. */
export function niceStep(max: number, count = 4): number {
  const raw = max / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * power).find((step) => step >= raw) ?? 10 * power;
}

/**
 * One bar per row, in the API's order for days and largest first for the rest; tokens split into
 * input and output. An axis with round ticks (0 to 1 when every value is 0).
 */
export function usageChart(rows: readonly UsageRow[], groupBy: UsageGroup, metric: UsageMetric, networkNames: ReadonlyMap<string, string>): UsageChartModel {
  const valueOf = (r: UsageRow) => (metric === 'tokens' ? r.tokens : r.cost_usd);
  const ordered = groupBy === 'day' ? [...rows] : [...rows].sort((a, b) => valueOf(b) - valueOf(a) || a.key.localeCompare(b.key));
  const max = Math.max(0, ...ordered.map(valueOf));
  const step = max > 0 ? niceStep(max) : 1;
  const axisMax = max > 0 ? Math.ceil(max / step - 1e-9) * step : 1;
  const ticks: number[] = [];
  for (let i = 0; i * step <= axisMax + step * 1e-9; i++) ticks.push(Number((i * step).toPrecision(12)));
  const bars = ordered.map((row) => ({
    row,
    label: rowLabel(groupBy, row.key, networkNames),
    value: valueOf(row),
    segments:
      metric === 'tokens'
        ? [
            { part: 'input' as const, share: row.input_tokens / axisMax },
            { part: 'output' as const, share: row.output_tokens / axisMax },
          ]
        : [{ part: 'cost' as const, share: row.cost_usd / axisMax }],
  }));
  return { bars, axisMax, ticks };
}
