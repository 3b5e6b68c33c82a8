import type { ToolCallView } from '@mesh/core';
import { formatDuration, oneLine, type Style } from './terminal-text';

/** Characters of a call's result (or error) a line shows. */
export const TOOL_CALL_LINE_RESULT_CHARS = 80;

/**
 * One tool call on one line: tool, status, duration and the start of its result or error. The
 * tool name, result and error come from models and outside services: oneLine strips what could
 * drive the terminal.
 */
export function toolCallLine(call: ToolCallView, style: Style, nowMs?: number): string {
  const ms = call.duration_ms ?? (call.status === 'running' && nowMs !== undefined ? nowMs - Date.parse(call.started_at) : null);
  const outcome = call.error ?? call.result;
  const text = outcome ? `  ${oneLine(outcome, TOOL_CALL_LINE_RESULT_CHARS)}` : '';
  return `${oneLine(call.tool, 64)}  ${style.status(call.status)}  ${formatDuration(ms)}${style.dim(text)}`;
}
