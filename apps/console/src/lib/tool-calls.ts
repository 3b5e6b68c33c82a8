import type { ToolCallView } from '@mesh/core';

/** What a subtask's node says about its tool calls: `2 tool calls`, and how many failed, still run or wait for a person. */
export interface ToolCallSummary {
  label: string;
  failed: number;
  running: number;
  awaitingApproval: number;
}

export function summarizeToolCalls(calls: readonly ToolCallView[] | undefined): ToolCallSummary | null {
  if (!calls || calls.length === 0) return null;
  return {
    label: `${calls.length} tool call${calls.length === 1 ? '' : 's'}`,
    failed: calls.filter((c) => c.status === 'failed').length,
    running: calls.filter((c) => c.status === 'running').length,
    awaitingApproval: calls.filter((c) => c.status === 'awaiting_approval').length,
  };
}

/** Characters of a call's arguments the detail shows; the API already truncates results. */
export const MAX_ARGUMENTS_CHARS = 4_000;

/** The arguments as indented JSON, cut at MAX_ARGUMENTS_CHARS (a model can write a long email body). */
export function formatToolArguments(args: Record<string, unknown>): string {
  const text = JSON.stringify(args, null, 2) ?? '{}';
  return text.length > MAX_ARGUMENTS_CHARS ? `${text.slice(0, MAX_ARGUMENTS_CHARS - 1)}…` : text;
}

/** A call's duration: as recorded once it ended, counting from its start while it runs. */
export function toolCallMs(call: ToolCallView, nowMs: number): number | null {
  if (call.duration_ms !== null) return call.duration_ms;
  if (call.status !== 'running') return null;
  const started = Date.parse(call.started_at);
  return Number.isFinite(started) ? Math.max(0, nowMs - started) : null;
}
