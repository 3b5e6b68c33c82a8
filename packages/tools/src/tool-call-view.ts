import type { ToolCallView } from '@mesh/core';
import type { ToolCallRecord } from './tool-call-journal';

export const TOOL_CALL_VIEW_DEFAULTS = { maxResultChars: 2_000 };

/** A recorded call as a subtask's `tool_calls` shows it: the result's content, truncated. */
export function toolCallView(record: ToolCallRecord, options: { maxResultChars?: number } = {}): ToolCallView {
  const maxChars = options.maxResultChars ?? TOOL_CALL_VIEW_DEFAULTS.maxResultChars;
  const content = record.result?.content ?? null;
  return {
    id: record.id,
    tool: record.tool,
    arguments: record.arguments,
    status: record.status,
    result: content === null ? null : content.length > maxChars ? `${content.slice(0, maxChars - 1)}…` : content,
    error: record.error,
    idempotency_key: record.idempotencyKey,
    started_at: record.startedAt.toISOString(),
    duration_ms: record.durationMs,
  };
}
