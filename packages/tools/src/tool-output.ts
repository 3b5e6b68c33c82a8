import type { ToolResult } from '@mesh/core';

export const TOOL_OUTPUT_DEFAULTS = {
  /** Characters of a result's content the model sees. */
  maxChars: 16_000,
};

/**
 * A result as the model reads it: inside a `<data>` block, the convention every prompt of Agent
 * Mesh uses for text that is information, never instructions (the system prompt's data rule).
 * Content that could close the block is neutralised; content over the cap is cut, and the model
 * is told so, as it is when the service's response itself was cut at the size cap.
 */
export function frameToolOutput(toolName: string, result: ToolResult, options: { maxChars?: number } = {}): string {
  const maxChars = options.maxChars ?? TOOL_OUTPUT_DEFAULTS.maxChars;
  const notes: string[] = [];
  let content = result.content;
  if (content.length > maxChars) {
    notes.push(`[truncated: the result has ${content.length} characters; only the first ${maxChars} are shown]`);
    content = content.slice(0, maxChars);
  }
  if (result.truncated) notes.push('[truncated: the response was larger than the size limit; only its beginning was received]');
  const safe = content.replace(/<(\s*\/?\s*data\b)/gi, '‹$1');
  const status = result.ok ? 'ok' : `error: ${(result.error ?? 'the call failed').replace(/<(\s*\/?\s*data\b)/gi, '‹$1').slice(0, 500)}`;
  return [`<data name="tool result ${toolName}">`, `status: ${status}`, safe, ...notes, '</data>'].join('\n');
}
