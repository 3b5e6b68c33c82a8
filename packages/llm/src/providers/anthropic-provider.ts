import Anthropic from '@anthropic-ai/sdk';
import type { Logger } from '@mesh/observability';
import { classifyProviderError } from '../classify-provider-error';
import { inspectingFetch } from './inspecting-fetch';
import type { ModelProvider, ProviderAnswer, ProviderCall } from './model-provider';
import { sdkBackstopTimeout, sdkFailure } from './sdk-failure';
import { sdkLogger } from './sdk-logger';

export interface AnthropicProviderOptions {
  apiKey: string;
  /** Defaults to https://api.anthropic.com; passed explicitly so the SDK never reads the environment. */
  baseURL?: string;
  logger: Logger;
}

export const ANTHROPIC_DEFAULT_BASE_URL = 'https://api.anthropic.com';

/**
 * Anthropic Messages API. Structured output uses the native `output_config.format` JSON schema
 * (tool_use answers are accepted too). No temperature: the current models answer 400 to
 * non-default sampling parameters.
 */
export class AnthropicProvider implements ModelProvider {
  readonly name = 'anthropic' as const;
  private readonly client: Anthropic;

  constructor(options: AnthropicProviderOptions) {
    this.client = new Anthropic({
      apiKey: options.apiKey,
      baseURL: options.baseURL ?? ANTHROPIC_DEFAULT_BASE_URL,
      // Our own retry loop decides; SDK retries would multiply it.
      maxRetries: 0,
      fetch: inspectingFetch('anthropic'),
      logger: sdkLogger(options.logger, 'anthropic'),
      logLevel: 'warn',
    });
  }

  async call(call: ProviderCall): Promise<ProviderAnswer> {
    const model = call.model.model;
    let message: Anthropic.Message;
    try {
      message = await this.client.messages.create(
        {
          model,
          max_tokens: call.maxTokens,
          ...(call.system ? { system: call.system } : {}),
          messages: call.messages.map((m) => ({ role: m.role, content: m.content })),
          ...(call.schema ? { output_config: { format: { type: 'json_schema' as const, schema: call.schema.jsonSchema } } } : {}),
        },
        { signal: call.signal, timeout: sdkBackstopTimeout(call.timeoutMs), maxRetries: 0 },
      );
    } catch (err) {
      if (call.signal.aborted) throw err;
      if (err instanceof Anthropic.APIError && err.status !== undefined) {
        throw sdkFailure('anthropic', model, err, { status: err.status, headers: err.headers, body: err.error });
      }
      throw sdkFailure('anthropic', model, err);
    }
    if (!message || typeof message !== 'object' || !Array.isArray(message.content)) {
      throw classifyProviderError({ provider: 'anthropic', model, malformed: true, message: 'the response is not a message' });
    }
    if (message.stop_reason === 'refusal') {
      throw classifyProviderError({ provider: 'anthropic', model, refusal: true, message: 'stop_reason refusal' });
    }
    const parts: string[] = [];
    for (const block of message.content) {
      if (block.type === 'text') parts.push(block.text);
      else if (block.type === 'tool_use') parts.push(JSON.stringify(block.input));
    }
    const usage = message.usage;
    return {
      text: parts.join(''),
      usage: {
        inputTokens: (usage?.input_tokens ?? 0) + (usage?.cache_creation_input_tokens ?? 0) + (usage?.cache_read_input_tokens ?? 0),
        outputTokens: usage?.output_tokens ?? 0,
      },
      truncated: message.stop_reason === 'max_tokens',
    };
  }
}
