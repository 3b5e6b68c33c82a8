import type { StatRow, StatsReport } from '@mesh/core';
import { formatUsd } from './budget-render';
import { formatTable } from './table';
import { formatDuration, oneLine, type Style } from './terminal-text';

/**
 * A network's stats as text: what the window was, then one table per agent type and one per
 * model, each ending in the network's TOTAL row. Names from the API go through oneLine.
 */

const COLUMNS = ['SUBTASKS', 'DONE', 'FAILED', 'CONFIDENCE', 'RATING', 'P50', 'P95', 'INPUT', 'OUTPUT', 'COST'];

function cells(row: StatRow): string[] {
  return [
    String(row.subtasks),
    String(row.completed),
    String(row.failed),
    row.mean_confidence === null ? '-' : row.mean_confidence.toFixed(2),
    row.mean_rating === null ? '-' : `${row.mean_rating.toFixed(1)} (${row.ratings})`,
    formatDuration(row.p50_duration_ms),
    formatDuration(row.p95_duration_ms),
    String(row.input_tokens),
    String(row.output_tokens),
    formatUsd(row.cost_usd),
  ];
}

function table(header: string, rows: { key: string; row: StatRow }[], totals: StatRow, style: Style, width: number | undefined): string {
  const body = rows.map((r) => [oneLine(r.key, 80), ...cells(r.row)]);
  body.push([style.bold('TOTAL'), ...cells(totals).map((cell) => style.bold(cell))]);
  return formatTable([header, ...COLUMNS], body, { maxWidth: width, flexible: [0], rightAligned: COLUMNS.map((_c, i) => i + 1) });
}

export function statsDetails(report: StatsReport, style: Style, options: { networkName?: string | undefined; width?: number | undefined } = {}): string {
  const name = oneLine(options.networkName ?? report.network_id, 80);
  const head = `${style.bold('stats')} of ${name}, last ${report.window} (${report.from} to ${report.to}): ${report.totals.tasks} task${report.totals.tasks === 1 ? '' : 's'}`;
  if (report.agent_types.length === 0 && report.models.length === 0) return `${head}\n\nNo subtasks, model calls or ratings in this window.`;
  return [
    head,
    table('AGENT TYPE', report.agent_types.map((r) => ({ key: r.agent_type, row: r })), report.totals, style, options.width),
    table('MODEL', report.models.map((r) => ({ key: r.model, row: r })), report.totals, style, options.width),
    style.dim('RATING is people\'s mean rating (1-5) and how many; the coordinator row has planning and synthesis calls and ratings of whole tasks.'),
  ].join('\n\n');
}
