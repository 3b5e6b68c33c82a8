import type { ToolCallStatus, ToolResult } from '@mesh/core';

/** A call as it is recorded before it runs. */
export interface NewToolCallRecord {
  subtaskId: string;
  /** The call's place in the subtask's loop (0, 1, 2, … across rounds): with the subtask, it names the call. */
  position: number;
  tool: string;
  arguments: Record<string, unknown>;
  idempotencyKey: string;
  sideEffects: boolean;
  startedAt: Date;
}

export interface ToolCallRecord extends NewToolCallRecord {
  id: string;
  status: ToolCallStatus;
  result: ToolResult | null;
  error: string | null;
  finishedAt: Date | null;
  durationMs: number | null;
}

export interface ToolCallFinish {
  status: Exclude<ToolCallStatus, 'running'>;
  result: ToolResult;
  error: string | null;
  finishedAt: Date;
  durationMs: number;
}

/**
 * Where tool calls are recorded: a row before the call runs (`running`) and when it ends. A
 * retried subtask finds its calls here by position, so what already happened is replayed, not
 * done again. The worker's implementation is a Postgres table (unique on subtask and position).
 */
export interface ToolCallJournal {
  find(subtaskId: string, position: number): Promise<ToolCallRecord | null>;
  /** The subtask's calls by position: what a retried loop replays into its conversation. */
  list(subtaskId: string): Promise<ToolCallRecord[]>;
  /** Records a call as running. Throws when the position is already recorded. */
  begin(call: NewToolCallRecord): Promise<ToolCallRecord>;
  finish(id: string, outcome: ToolCallFinish): Promise<ToolCallRecord>;
}
