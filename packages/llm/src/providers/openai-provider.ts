import OpenAI from 'openai';
import type { Logger } from '@mesh/observability';
import { classifyProviderError } from '../classify-provider-error';
import { inspectingFetch } from './inspecting-fetch';
import type { ModelProvider, ProviderAnswer, ProviderCall } from './model-provider';
import { sdkBackstopTimeout, sdkFailure } from './sdk-failure';
import { sdkLogger } from './sdk-logger';

export interface OpenAIProviderOptions {
  apiKey: string;
  /** Defaults to https://api.openai.com/v1; an OpenAI-compatible server (Ollama, vLLM) works too. */
  baseURL?: string;
  logger: Logger;
}

export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/**
 * OpenAI Chat Completions, the wire format OpenAI-compatible servers share. Structured output
 * uses `response_format: json_schema` (strict when the schema allows it).
 */
export class OpenAIProvider implements ModelProvider {
  readonly name = 'openai' as const;
  private readonly client: OpenAI;

  constructor(options: OpenAIProviderOptions) {
    this.client = new OpenAI({
      apiKey: options.apiKey,
      baseURL: options.baseURL ?? OPENAI_DEFAULT_BASE_URL,
      // Explicit nulls keep the SDK from reading OPENAI_ORG_ID and friends from the environment.
      organization: null,
      project: null,
      webhookSecret: null,
      maxRetries: 0,
      fetch: inspectingFetch('openai'),
      logger: sdkLogger(options.logger, 'openai'),
      logLevel: 'warn',
    });
  }

  async call(call: ProviderCall): Promise<ProviderAnswer> {
    const { model: resolved } = call;
    const model = resolved.model;
    const body: OpenAI.Chat.ChatCompletionCreateParamsNonStreaming = {
      model,
      messages: [...(call.system ? [{ role: 'system' as const, content: call.system }] : []), ...call.messages.map((m) => ({ role: m.role, content: m.content }))],
      ...(resolved.maxTokensParam === 'max_completion_tokens' ? { max_completion_tokens: call.maxTokens } : { max_tokens: call.maxTokens }),
      ...(call.temperature !== undefined && resolved.acceptsTemperature ? { temperature: call.temperature } : {}),
      ...(call.schema
        ? {
            response_format: {
              type: 'json_schema' as const,
              json_schema: {
                name: call.schema.name,
                ...(call.schema.description ? { description: call.schema.description } : {}),
                schema: call.schema.jsonSchema,
                strict: call.schema.strict,
              },
            },
          }
        : {}),
    };
    let completion: OpenAI.Chat.ChatCompletion;
    try {
      completion = await this.client.chat.completions.create(body, { signal: call.signal, timeout: sdkBackstopTimeout(call.timeoutMs), maxRetries: 0 });
    } catch (err) {
      if (call.signal.aborted) throw err;
      if (err instanceof OpenAI.APIError && err.status !== undefined) {
        throw sdkFailure('openai', model, err, { status: err.status, headers: err.headers, body: err.error });
      }
      throw sdkFailure('openai', model, err);
    }
    const choice = completion && typeof completion === 'object' && Array.isArray(completion.choices) ? completion.choices[0] : undefined;
    if (!choice?.message) {
      throw classifyProviderError({ provider: 'openai', model, malformed: true, message: 'the response has no choices' });
    }
    const { message } = choice;
    if (message.refusal || choice.finish_reason === 'content_filter') {
      throw classifyProviderError({ provider: 'openai', model, refusal: true, message: message.refusal ?? 'finish_reason content_filter' });
    }
    const toolArguments = (message.tool_calls ?? []).flatMap((t) => (t.type === 'function' ? [t.function.arguments] : []));
    return {
      text: message.content ?? toolArguments.join(''),
      usage: { inputTokens: completion.usage?.prompt_tokens ?? 0, outputTokens: completion.usage?.completion_tokens ?? 0 },
      truncated: choice.finish_reason === 'length',
    };
  }
}
