import type { ZodType } from 'zod';
import type { AttemptRecord, CallAnnotations, CompletionContext } from './attempt-record';
import type { ConversationMessage, StopReason, ToolCall, ToolChoice, ToolDefinition } from './conversation';

/** Structured output: the JSON schema sent to the provider is derived with zod 4's z.toJSONSchema. */
export interface CompletionSchema<T> {
  name: string;
  zod: ZodType<T>;
  description?: string;
}

export interface CompletionRequest<T> {
  system: string;
  /** Plain text turns, or a whole tool conversation (tool calls and their results included). */
  messages: ConversationMessage[];
  schema?: CompletionSchema<T>;
  /** Tools the model may call this turn; its calls come back in `toolCalls`, for the caller to run. */
  tools?: ToolDefinition[];
  /** Sent only when given; the provider's default is 'auto'. */
  toolChoice?: ToolChoice;
  /** The agent's own model, tried first. */
  model?: string | null;
  /** Not sent to models that reject sampling parameters (Anthropic's current models, OpenAI's reasoning models). */
  temperature?: number;
  /** Defaults to config.maxTokens. */
  maxTokens?: number;
  /** Bounds the whole call, including rate-limit waits and back-off. */
  signal?: AbortSignal;
  /** Per HTTP attempt; defaults to config.timeoutMs. */
  timeoutMs?: number;
  /** 'plan' | 'subtask' | 'finalize' | ... — recorded with each attempt. */
  purpose?: string;
  context?: CompletionContext;
  /** Stored with what the call sent (memory items in the prompt, iteration, tool-loop turn); never sent. */
  annotations?: CallAnnotations;
}

export interface CompletionResponse<T> {
  /** The model's text; with tool calls, whatever it said alongside them (often ''). */
  text: string;
  /** Present iff a schema was given and the model answered instead of calling tools. */
  object?: T;
  /**
   * Present (and non-empty) iff the model asked for tools. Such a turn is not validated against
   * the schema: append `{role: 'assistant', content: text, toolCalls}` and one tool result per
   * call to the messages, and call again.
   */
  toolCalls?: ToolCall[];
  stopReason: StopReason;
  /** Summed over every attempt that returned usage (including invalid answers and repairs). */
  usage: { inputTokens: number; outputTokens: number };
  /** Summed over every attempt that returned usage. */
  costUsd: number;
  /** The provider and model that answered, e.g. 'anthropic', 'claude-sonnet-5-5'. */
  provider: string;
  model: string;
  simulated: boolean;
  /** Every attempt, including failed ones, repairs, skipped models and fallbacks. */
  attempts: AttemptRecord[];
  /**
   * Settles once `attempts` are stored by the client's recorder (never rejects; a failed write
   * is logged). The call returns without waiting for it, so a caller can store its own result in
   * parallel; await it before reporting work whose cost must already be visible.
   */
  recorded: Promise<void>;
}
