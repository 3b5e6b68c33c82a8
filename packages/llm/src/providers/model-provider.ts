import type { ConversationMessage, ToolCall, ToolChoice, ToolDefinition } from '../conversation';
import type { ProviderName, ResolvedModel } from '../model-table';
import type { JsonSchema } from '../structured-output';

/** One HTTP request to one model. */
export interface ProviderCall {
  model: ResolvedModel;
  system: string;
  /** The whole conversation, translated to the provider's wire format on every call. */
  messages: ConversationMessage[];
  schema?: {
    name: string;
    description?: string;
    /** Portable form sent to providers (see toProviderJsonSchema). */
    jsonSchema: JsonSchema;
    /** z.toJSONSchema's own output, constraints included; the simulated provider samples from it. */
    sourceJsonSchema: JsonSchema;
    strict: boolean;
  };
  /** Offered tools, with the caller's names: each adapter encodes them for its wire (wireToolName). */
  tools?: ToolDefinition[];
  toolChoice?: ToolChoice;
  temperature?: number;
  maxTokens: number;
  /** Aborts on the attempt's timeout and on the caller's signal; cancels the HTTP request. */
  signal: AbortSignal;
  timeoutMs: number;
  /** Seeds the simulated provider; live providers ignore it. */
  seed: number;
  /** The schema name the simulated provider's responders are keyed by. */
  schemaName?: string;
}

export interface ProviderAnswer {
  text: string;
  /** The tools the model asked for, names decoded; absent or empty when it answered. */
  toolCalls?: ToolCall[];
  usage: { inputTokens: number; outputTokens: number };
  /** The answer stopped at max tokens. */
  truncated?: boolean;
}

/**
 * A provider adapter. Failures are thrown as ProviderError (see classifyProviderError), except
 * when `call.signal` aborted: then whatever the SDK threw is rethrown and the caller decides
 * between timeout and abort.
 */
export interface ModelProvider {
  readonly name: ProviderName;
  call(call: ProviderCall): Promise<ProviderAnswer>;
}
