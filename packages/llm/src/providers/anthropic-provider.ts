import Anthropic from '@anthropic-ai/sdk';
import type { Logger } from '@mesh/observability';
import { classifyProviderError } from '../classify-provider-error';
import { toolArguments, toolNameDecoder, wireToolName, type ConversationMessage, type MessagePart, type ToolCall } from '../conversation';
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

type ContentBlock = Anthropic.ContentBlockParam;

/** tool_use ids must match ^[a-zA-Z0-9_-]+$; ids made by another provider are mapped the same way on both ends. */
function toolUseId(id: string): string {
  return id.replace(/[^a-zA-Z0-9_-]/g, '_');
}

function isToolResults(message: Anthropic.MessageParam | undefined): message is Anthropic.MessageParam & { content: ContentBlock[] } {
  return message?.role === 'user' && Array.isArray(message.content) && message.content.length > 0 && message.content.every((b) => b.type === 'tool_result');
}

/** A part as a content block: images as `image` blocks, PDFs as `document` blocks (base64 sources). */
function toAnthropicBlock(part: MessagePart): ContentBlock {
  if (part.type === 'text') return { type: 'text', text: part.text };
  const data = part.data.toString('base64');
  if (part.media_type === 'application/pdf') return { type: 'document', title: part.name, source: { type: 'base64', media_type: 'application/pdf', data } };
  if (part.media_type.startsWith('image/')) {
    return { type: 'image', source: { type: 'base64', media_type: part.media_type as Anthropic.Base64ImageSource['media_type'], data } };
  }
  // The chain skips models that cannot take a modality; reaching this is a caller's mistake.
  throw new Error(`Anthropic models take no ${part.media_type} input (attachment ${part.name})`);
}

/**
 * The neutral conversation as Messages: tool calls are `tool_use` blocks of the assistant turn,
 * and the results of one turn go back together as `tool_result` blocks of one user message
 * (with text that follows them after the results, as the API requires).
 */
function toAnthropicMessages(messages: readonly ConversationMessage[]): Anthropic.MessageParam[] {
  const out: Anthropic.MessageParam[] = [];
  for (const message of messages) {
    const last = out.at(-1);
    if (message.role === 'tool') {
      const block: Anthropic.ToolResultBlockParam = { type: 'tool_result', tool_use_id: toolUseId(message.toolCallId), content: message.content, ...(message.isError ? { is_error: true } : {}) };
      if (isToolResults(last)) last.content.push(block);
      else out.push({ role: 'user', content: [block] });
    } else if ('toolCalls' in message && message.toolCalls.length > 0) {
      const blocks: ContentBlock[] = message.content ? [{ type: 'text', text: message.content }] : [];
      for (const call of message.toolCalls) blocks.push({ type: 'tool_use', id: toolUseId(call.id), name: wireToolName(call.name), input: call.arguments });
      out.push({ role: 'assistant', content: blocks });
    } else if (message.role === 'user' && isToolResults(last)) {
      if (typeof message.content === 'string') last.content.push({ type: 'text', text: message.content });
      else last.content.push(...message.content.map(toAnthropicBlock));
    } else if (typeof message.content !== 'string') {
      out.push({ role: 'user', content: message.content.map(toAnthropicBlock) });
    } else {
      out.push({ role: message.role, content: message.content });
    }
  }
  return out;
}

/**
 * Anthropic Messages API. Structured output uses the native `output_config.format` JSON schema,
 * also together with tools (the model then either calls tools or answers in the schema). No
 * temperature: the current models answer 400 to non-default sampling parameters.
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
          messages: toAnthropicMessages(call.messages),
          ...(call.schema ? { output_config: { format: { type: 'json_schema' as const, schema: call.schema.jsonSchema } } } : {}),
          ...(call.tools?.length
            ? { tools: call.tools.map((t) => ({ name: wireToolName(t.name), description: t.description, input_schema: t.inputSchema as Anthropic.Tool.InputSchema })) }
            : {}),
          ...(call.toolChoice ? { tool_choice: { type: call.toolChoice } } : {}),
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
    const offeredTools = (call.tools?.length ?? 0) > 0;
    const decodeName = toolNameDecoder(call.tools, call.messages);
    const parts: string[] = [];
    const toolCalls: ToolCall[] = [];
    for (const block of message.content) {
      if (block.type === 'text') parts.push(block.text);
      else if (block.type === 'tool_use' && offeredTools) toolCalls.push({ id: block.id, name: decodeName(block.name), ...toolArguments(block.input) });
      // Without tools offered, a tool_use answer is a structured answer in another form.
      else if (block.type === 'tool_use') parts.push(JSON.stringify(block.input));
    }
    const usage = message.usage;
    return {
      text: parts.join(''),
      ...(toolCalls.length > 0 ? { toolCalls } : {}),
      usage: {
        inputTokens: (usage?.input_tokens ?? 0) + (usage?.cache_creation_input_tokens ?? 0) + (usage?.cache_read_input_tokens ?? 0),
        outputTokens: usage?.output_tokens ?? 0,
      },
      truncated: message.stop_reason === 'max_tokens',
    };
  }
}
