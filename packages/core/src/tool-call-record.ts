import type { ToolCallStatus, ToolResult } from './tool';

/*
 * The shapes of a recorded tool call and of a sent email: @mesh/tools' journal and ledger speak
 * them, @mesh/store persists them. Here, so that neither has to write the other's types out.
 */

/** A call as it is recorded before it runs. */
export interface NewToolCallRecord {
  subtaskId: string;
  /** The call's place in the subtask's loop (0, 1, 2, … across rounds): with the subtask, it names the call. */
  position: number;
  /** The loop's round (0-based) whose model turn asked for the call: a retried loop rebuilds its conversation round by round. */
  round: number;
  /** The id the model gave the call (its result goes back under it). */
  callId: string;
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

/** An email the SMTP server accepted, by its Message-ID. */
export interface SentEmailRecord {
  messageId: string;
  idempotencyKey: string;
  accepted: string[];
  rejected: string[];
  /** The server's last answer (`250 OK: queued as …`). */
  response: string;
  sentAt: Date;
}
