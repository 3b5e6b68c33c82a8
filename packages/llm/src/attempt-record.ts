import type { ConversationMessage, ToolCall } from './conversation';

/** Who a call was made for: stored with its attempts, and bound to its log lines. */
export interface CompletionContext {
  tenantId?: string;
  networkId?: string;
  taskId?: string;
  subtaskId?: string;
}

/**
 * success: the model answered (and, with a schema, the answer validated).
 * invalid_output: the model answered, but not with what the schema asks for.
 * error: the request failed (see errorClass).
 * skipped: no request was sent (circuit open, or the rate limit could not be met before the deadline).
 */
export type AttemptOutcome = 'success' | 'invalid_output' | 'error' | 'skipped';

/** One row of `llm_calls`. */
export interface AttemptRecord {
  provider: string;
  model: string;
  /** 0-based position of the model in the effective chain. */
  chainPosition: number;
  /** 1-based attempt number on this model (retries and the repair attempt count up). */
  attempt: number;
  /** 'call' for the request itself, 'repair' for the one re-ask after invalid output. */
  kind: 'call' | 'repair';
  startedAt: string;
  latencyMs: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  outcome: AttemptOutcome;
  /** Set unless outcome is success: rate_limit, quota, auth, permission, bad_request, not_found, server, overloaded, network, timeout, malformed_response, refusal, invalid_output, aborted, circuit_open, rate_limited_locally, deadline, unknown. */
  errorClass?: string;
  httpStatus?: number;
  errorMessage?: string;
  simulated: boolean;
  purpose?: string;
  /** How long the attempt waited for the fleet-wide rate limit before it was sent (set when it waited). */
  rateLimitWaitMs?: number;
  /** The raw text of an answer that was refused as invalid output (so that it can be inspected). */
  rejectedOutput?: string;
}

/** A memory item that was put into the prompt (the engine says which; the console marks them). */
export interface AnnotatedMemoryItem {
  id: string;
  memory_type: string;
  content: string;
}

/** What the caller says about a call, stored with what it sent: nothing here is sent to a model. */
export interface CallAnnotations {
  /** The memory items retrieved into the prompt. */
  memory?: AnnotatedMemoryItem[];
  /** The coordinator iteration the call belongs to. */
  iteration?: number;
  /** The tool-loop turn (0-based) of a subtask's conversation. */
  turn?: number;
}

/** One model call as it was made: what it sent and the answer it used (none when every model failed). */
export interface RecordedCall {
  /** Shared by every attempt of the call. */
  callId: string;
  system: string;
  messages: ConversationMessage[];
  annotations: CallAnnotations;
  output: { text: string; toolCalls?: ToolCall[] } | null;
}

/** Persists attempts; the store implements it over the llm_calls table. */
export interface LlmCallRecorder {
  record(attempts: AttemptRecord[], context: CompletionContext & { purpose?: string }, call?: RecordedCall): Promise<void>;
}
