import OpenAI from 'openai';
import type { Logger } from '@mesh/observability';
import { classifyProviderError } from '../classify-provider-error';
import { toolArguments, toolNameDecoder, wireToolName, type ConversationMessage, type MessagePart, type ToolCall } from '../conversation';
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

const AUDIO_FORMATS: Readonly<Record<string, 'wav' | 'mp3'>> = { 'audio/wav': 'wav', 'audio/x-wav': 'wav', 'audio/mpeg': 'mp3', 'audio/mp3': 'mp3' };

/** A part as a content part: images as `image_url` data URLs, audio as `input_audio`, PDFs as `file` with `file_data`. */
function toOpenAIPart(part: MessagePart): OpenAI.Chat.ChatCompletionContentPart {
  if (part.type === 'text') return { type: 'text', text: part.text };
  const data = part.data.toString('base64');
  if (part.media_type.startsWith('image/')) return { type: 'image_url', image_url: { url: `data:${part.media_type};base64,${data}` } };
  if (part.media_type === 'application/pdf') return { type: 'file', file: { file_data: `data:application/pdf;base64,${data}`, filename: part.name } };
  const format = AUDIO_FORMATS[part.media_type];
  if (format) return { type: 'input_audio', input_audio: { data, format } };
  throw new Error(`Chat Completions takes no ${part.media_type} input (attachment ${part.name})`);
}

/**
 * The neutral conversation as Chat Completions messages: tool calls are the assistant's
 * `tool_calls` (arguments as a JSON string), each result is its own `tool` message. The format
 * has no error flag for a result, so a failed tool's content says so in words.
 */
function toOpenAIMessages(system: string, messages: readonly ConversationMessage[]): OpenAI.Chat.ChatCompletionMessageParam[] {
  const out: OpenAI.Chat.ChatCompletionMessageParam[] = system ? [{ role: 'system', content: system }] : [];
  for (const message of messages) {
    if (message.role === 'tool') {
      out.push({ role: 'tool', tool_call_id: message.toolCallId, content: message.isError ? `Error: ${message.content}` : message.content });
    } else if ('toolCalls' in message && message.toolCalls.length > 0) {
      out.push({
        role: 'assistant',
        content: message.content || null,
        // A call with malformed arguments goes back as {}: its error result says what was wrong.
        tool_calls: message.toolCalls.map((c) => ({ id: c.id, type: 'function' as const, function: { name: wireToolName(c.name), arguments: JSON.stringify(c.arguments) } })),
      });
    } else if (typeof message.content !== 'string') {
      out.push({ role: 'user', content: message.content.map(toOpenAIPart) });
    } else {
      out.push({ role: message.role, content: message.content });
    }
  }
  return out;
}

/**
 * OpenAI Chat Completions, the wire format OpenAI-compatible servers share. Structured output
 * uses `response_format: json_schema` (strict when the schema allows it), also together with
 * tools. Tools are not strict: their schemas are the caller's, not made strict-compatible.
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
      messages: toOpenAIMessages(call.system, call.messages),
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
      ...(call.tools?.length
        ? { tools: call.tools.map((t) => ({ type: 'function' as const, function: { name: wireToolName(t.name), description: t.description, parameters: t.inputSchema } })) }
        : {}),
      ...(call.toolChoice ? { tool_choice: call.toolChoice } : {}),
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
    const functionCalls = (message.tool_calls ?? []).flatMap((t) => (t.type === 'function' ? [t] : []));
    const decodeName = toolNameDecoder(call.tools, call.messages);
    const toolCalls: ToolCall[] = call.tools?.length ? functionCalls.map((t) => ({ id: t.id, name: decodeName(t.function.name), ...toolArguments(t.function.arguments) })) : [];
    return {
      // Without tools offered, a function call's arguments are a structured answer in another form.
      text: message.content ?? (call.tools?.length ? '' : functionCalls.map((t) => t.function.arguments).join('')),
      ...(toolCalls.length > 0 ? { toolCalls } : {}),
      usage: { inputTokens: completion.usage?.prompt_tokens ?? 0, outputTokens: completion.usage?.completion_tokens ?? 0 },
      truncated: choice.finish_reason === 'length',
    };
  }
}
