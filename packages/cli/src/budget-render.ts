import { budgetLevel } from '@mesh/client';
import type { Budget, UsageGroup, UsageReport, UsageRow } from '@mesh/core';
import { SHORT_ID_LENGTH } from './approval-render';
import { formatTable } from './table';
import { oneLine, type Style } from './terminal-text';

/**
 * The usage report and budgets as text; keys and names from the API go through oneLine. In a
 * terminal (`width` set) ids are cut to their first characters, as approvals' are; piped, whole.
 */

/** Network ids to the names of the caller's networks (others' networks show as ids). */
export type NetworkNames = ReadonlyMap<string, string>;

const GROUP_HEADERS: Record<UsageGroup, string> = { network: 'NETWORK', agent_type: 'AGENT TYPE', model: 'MODEL', day: 'DAY (UTC)' };

/** The usage row key of calls that belong to no network. */
const NO_NETWORK_KEY = 'none';

export const formatUsd = (usd: number): string => `$${usd.toFixed(4)}`;

const idIn = (width: number | undefined) => (id: string) => (width !== undefined ? id.slice(0, SHORT_ID_LENGTH) : id);

function amounts(row: Omit<UsageRow, 'key'>): string[] {
  return [String(row.llm_calls), String(row.input_tokens), String(row.output_tokens), String(row.tokens), formatUsd(row.cost_usd)];
}

/**
 * What the range was, then one row per group and a TOTAL row (grouped by network, a NAME column
 * names the caller's networks).
 */
export function usageDetails(report: UsageReport, style: Style, options: { width?: number | undefined; networkNames?: NetworkNames; networkId?: string } = {}): string {
  const names = options.networkNames ?? new Map<string, string>();
  const scope = options.networkId ? `, network ${oneLine(names.get(options.networkId) ?? options.networkId)}` : '';
  const head = `${style.bold('usage')} ${report.from} to ${report.to}, by ${report.group_by}${scope}`;
  if (report.rows.length === 0) return `${head}\n\nNo model calls in this range.`;
  const byNetwork = report.group_by === 'network';
  const nameOf = (key: string) => (key === NO_NETWORK_KEY ? '(no network)' : oneLine(names.get(key) ?? '-', 60));
  const headers = [GROUP_HEADERS[report.group_by], ...(byNetwork ? ['NAME'] : []), 'CALLS', 'INPUT', 'OUTPUT', 'TOKENS', 'COST'];
  const key = byNetwork ? idIn(options.width) : (k: string) => oneLine(k, 80);
  const rows = report.rows.map((r) => [key(r.key), ...(byNetwork ? [nameOf(r.key)] : []), ...amounts(r)]);
  rows.push([style.bold('TOTAL'), ...(byNetwork ? [''] : []), ...amounts(report.total).map((cell) => style.bold(cell))]);
  const first = byNetwork ? 2 : 1;
  const table = formatTable(headers, rows, { maxWidth: options.width, flexible: byNetwork ? [1] : [0], rightAligned: [0, 1, 2, 3, 4].map((i) => i + first) });
  return `${head}\n\n${table}`;
}

function percent(ratio: number): string {
  return `${Math.floor(ratio * 100)}%`;
}

/** `85% warning`, `100% exhausted`, `12%`. */
export function usedCell(budget: Pick<Budget, 'used_ratio'>, style: Style): string {
  const level = budgetLevel(budget.used_ratio);
  return level === 'ok' ? percent(budget.used_ratio) : `${percent(budget.used_ratio)} ${style.status(level)}`;
}

function scopeCell(budget: Budget, names: NetworkNames, id: (id: string) => string): string {
  if (budget.network_id === null) return 'tenant';
  const name = names.get(budget.network_id);
  return `network ${name !== undefined ? oneLine(name, 40) : id(budget.network_id)}`;
}

/** The period and when the current one began: `day 2026-05-14`, `month 2026-05`. */
function periodCell(budget: Budget): string {
  return `${budget.period} ${budget.period_start.slice(0, budget.period === 'day' ? 10 : 7)}`;
}

const ofLimit = (used: string, max: string | null) => `${used} / ${max ?? 'no limit'}`;

/** One row per budget; `withTenant` for an operator's view of several tenants. */
export function budgetsTable(budgets: readonly Budget[], style: Style, options: { width?: number | undefined; networkNames?: NetworkNames; withTenant?: boolean } = {}): string {
  const names = options.networkNames ?? new Map<string, string>();
  const withTenant = options.withTenant === true;
  const id = idIn(options.width);
  return formatTable(
    ['ID', ...(withTenant ? ['TENANT'] : []), 'SCOPE', 'PERIOD', 'TOKENS', 'COST', 'USED', 'SOURCE'],
    budgets.map((b) => [
      id(b.id),
      ...(withTenant ? [oneLine(b.tenant_id, 64)] : []),
      scopeCell(b, names, id),
      periodCell(b),
      ofLimit(String(b.used_tokens), b.max_tokens === null ? null : String(b.max_tokens)),
      ofLimit(formatUsd(b.used_cost_usd), b.max_cost_usd === null ? null : `$${b.max_cost_usd}`),
      usedCell(b, style),
      b.source,
    ]),
    { maxWidth: options.width, flexible: [withTenant ? 2 : 1] },
  );
}

/** Under the table: what a used-up budget means, when one is. */
export function budgetsNote(budgets: readonly Budget[]): string[] {
  if (!budgets.some((b) => budgetLevel(b.used_ratio) === 'exhausted')) return [];
  return ['An exhausted budget refuses new tasks of its scope (402 budget_exhausted) and stops running ones before their next model call, until its period renews (UTC) or an operator raises it.'];
}
