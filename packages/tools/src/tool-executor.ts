import type { BoundTool, RegisteredTool, ToolResult } from '@mesh/core';

/**
 * A tool as a network's catalog hands it out: what the model sees (name, description, input
 * schema), how it runs (`binding`), and the registration it comes from (null for built-ins),
 * whose spec carries the URL and headers with their secret references.
 */
export interface CatalogTool extends BoundTool {
  registration: Pick<RegisteredTool, 'id' | 'name' | 'spec'> | null;
}

/** One execution of one call. */
export interface ToolExecution {
  tool: CatalogTool;
  /** Already checked against the tool's input schema. */
  arguments: Record<string, unknown>;
  /** Stable per call (subtask + position): the same on every repetition of the call. */
  idempotencyKey: string;
  /** Fires at the call's time bound, or when the subtask is stopped. */
  signal: AbortSignal;
  timeoutMs: number;
  /** The journal found this call in flight from an earlier attempt: it is being repeated. */
  resumed: boolean;
}

/**
 * Runs calls of one kind of tool. Never throws for a failure of the call itself: a failed call is
 * a result with `ok: false`, which goes back to the model.
 */
export interface ToolExecutor {
  execute(execution: ToolExecution): Promise<ToolResult>;
}

export function errorResult(error: string, extra: Pick<ToolResult, 'data' | 'truncated'> & { content?: string } = {}): ToolResult {
  const { content, ...rest } = extra;
  return { ok: false, content: content ?? error, error, ...rest };
}
