import type { NewToolCallRecord, ToolCallFinish, ToolCallRecord } from '@mesh/core';

export type { NewToolCallRecord, ToolCallFinish, ToolCallRecord };

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
  /** Records a call that has already ended (one without side effects); a position already recorded keeps its row. */
  record(call: ToolCallRecord): Promise<void>;
  /** approved → running: a call a person approved starts. Null when it was not `approved` (a duplicate started it). */
  start(id: string): Promise<ToolCallRecord | null>;
  finish(id: string, outcome: ToolCallFinish): Promise<ToolCallRecord>;
}
