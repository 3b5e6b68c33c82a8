import type { StatRow, StatsReport } from '../api/learning-types';

/** The windows the agent page offers (the API takes `<n>h` or `<n>d` up to 90 days). */
export const STATS_WINDOWS = ['24h', '7d', '30d', '90d'] as const;
export type StatsWindow = (typeof STATS_WINDOWS)[number];
export const STATS_WINDOW_LABELS: Record<StatsWindow, string> = { '24h': 'Last 24 hours', '7d': 'Last 7 days', '30d': 'Last 30 days', '90d': 'Last 90 days' };

/** The row of one agent type, or null when none of its subtasks ran in the window. */
export function agentTypeStats(report: StatsReport, agentType: string): (StatRow & { agent_type: string }) | null {
  return report.agent_types.find((row) => row.agent_type === agentType) ?? null;
}

/** Completed of those that ended (completed or failed); null when none did. */
export function successRate(row: Pick<StatRow, 'completed' | 'failed'>): number | null {
  const ended = row.completed + row.failed;
  return ended === 0 ? null : row.completed / ended;
}

/** The model rows as the usage chart draws them: tokens per model, largest first. */
export function modelUsageRows(report: StatsReport): { key: string; input_tokens: number; output_tokens: number; tokens: number; cost_usd: number; llm_calls: number }[] {
  return report.models.map((m) => ({ key: m.model, input_tokens: m.input_tokens, output_tokens: m.output_tokens, tokens: m.input_tokens + m.output_tokens, cost_usd: m.cost_usd, llm_calls: m.subtasks }));
}
