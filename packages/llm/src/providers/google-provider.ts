import { ApiError, FunctionCallingConfigMode, GoogleGenAI, type Content, type GenerateContentResponse, type Part } from '@google/genai';
import { classifyProviderError } from '../classify-provider-error';
import { derivedToolCallId, toolArguments, toolNameDecoder, wireToolName, type ConversationMessage, type MessagePart, type ToolCall } from '../conversation';
import { inspectingFetch, type ObservedResponse } from './inspecting-fetch';
import type { ModelProvider, ProviderAnswer, ProviderCall } from './model-provider';
import { sdkBackstopTimeout, sdkFailure } from './sdk-failure';

export interface GoogleProviderOptions {
  apiKey: string;
  /** Defaults to https://generativelanguage.googleapis.com/ (the Gemini API, not Vertex). */
  baseUrl?: string;
}

export const GOOGLE_DEFAULT_BASE_URL = 'https://generativelanguage.googleapis.com/';

const REFUSAL_FINISH = new Set(['SAFETY', 'PROHIBITED_CONTENT', 'BLOCKLIST', 'SPII', 'RECITATION', 'IMAGE_SAFETY']);

/**
 * Gemini's documented stand-in for a signature it did not make: function calls that come from
 * another provider (a fallback mid-conversation) carry it, since Gemini 3 rejects unsigned calls.
 */
export const SKIP_THOUGHT_SIGNATURE = 'skip_thought_signature_validator';

const CHOICE_MODE = { auto: FunctionCallingConfigMode.AUTO, none: FunctionCallingConfigMode.NONE } as const;

function isFunctionResponses(content: Content | undefined): content is Content & { parts: Part[] } {
  return content?.role === 'user' && (content.parts?.length ?? 0) > 0 && (content.parts ?? []).every((p) => p.functionResponse !== undefined);
}

/** A part as a Gemini part: files as `inlineData` (no displayName: the Gemini API refuses it outside server-side tools). */
function toGeminiPart(part: MessagePart): Part {
  if (part.type === 'text') return { text: part.text };
  return { inlineData: { mimeType: part.media_type, data: part.data.toString('base64') } };
}

/**
 * The neutral conversation as Gemini contents: tool calls are `functionCall` parts of the model
 * turn (the first of a turn signed, as Gemini signs them), results go back together as
 * `functionResponse` parts of one user turn. A response must be an object: `{output}` or
 * `{error}`, the keys the API documents.
 */
function toGeminiContents(messages: readonly ConversationMessage[]): Content[] {
  const out: Content[] = [];
  for (const message of messages) {
    const last = out.at(-1);
    if (message.role === 'tool') {
      const part: Part = { functionResponse: { id: message.toolCallId, name: wireToolName(message.name), response: message.isError ? { error: message.content } : { output: message.content } } };
      if (isFunctionResponses(last)) last.parts.push(part);
      else out.push({ role: 'user', parts: [part] });
    } else if ('toolCalls' in message && message.toolCalls.length > 0) {
      const signed = message.toolCalls.some((c) => c.thoughtSignature);
      const parts: Part[] = message.content ? [{ text: message.content }] : [];
      message.toolCalls.forEach((call, index) => {
        const signature = call.thoughtSignature ?? (!signed && index === 0 ? SKIP_THOUGHT_SIGNATURE : undefined);
        parts.push({ functionCall: { id: call.id, name: wireToolName(call.name), args: call.arguments }, ...(signature ? { thoughtSignature: signature } : {}) });
      });
      out.push({ role: 'model', parts });
    } else if (typeof message.content !== 'string') {
      out.push({ role: 'user', parts: message.content.map(toGeminiPart) });
    } else {
      out.push({ role: message.role === 'assistant' ? 'model' : 'user', parts: [{ text: message.content }] });
    }
  }
  return out;
}

/**
 * With tools, the schema is asked for in the system instruction instead of `responseJsonSchema`:
 * Gemini 2.x answers 400 to function calling with `responseMimeType: application/json`, and
 * Gemini 3 accepts the pair only as a preview. The answer is then JSON in text, which the
 * runner extracts, validates and, once, asks to repair, as for any structured answer.
 */
function schemaInstruction(schema: NonNullable<ProviderCall['schema']>): string {
  return `When you answer instead of calling a function, answer with only a JSON value that matches this JSON schema (${schema.name}), no prose and no code fences:\n${JSON.stringify(schema.jsonSchema)}`;
}

/**
 * Gemini API through @google/genai. Structured output uses `responseJsonSchema` with
 * `responseMimeType: application/json` (without tools; see schemaInstruction). The SDK's errors
 * carry no headers, so a per-request fetch wrapper keeps them (retry-after).
 */
export class GoogleProvider implements ModelProvider {
  readonly name = 'google' as const;
  private readonly client: GoogleGenAI;

  constructor(options: GoogleProviderOptions) {
    this.client = new GoogleGenAI({
      apiKey: options.apiKey,
      vertexai: false,
      // attempts: 1 = no SDK retries; our loop decides.
      httpOptions: { baseUrl: options.baseUrl ?? GOOGLE_DEFAULT_BASE_URL, retryOptions: { attempts: 1 } },
    });
  }

  async call(call: ProviderCall): Promise<ProviderAnswer> {
    const model = call.model.model;
    let observed: ObservedResponse | undefined;
    let response: GenerateContentResponse;
    const tools = call.tools ?? [];
    const schemaInText = call.schema && tools.length > 0 ? schemaInstruction(call.schema) : undefined;
    const system = [call.system, schemaInText].filter(Boolean).join('\n\n');
    try {
      response = await this.client.models.generateContent({
        model,
        contents: toGeminiContents(call.messages),
        config: {
          ...(system ? { systemInstruction: system } : {}),
          maxOutputTokens: call.maxTokens,
          ...(call.temperature !== undefined && call.model.acceptsTemperature ? { temperature: call.temperature } : {}),
          ...(call.schema && !schemaInText ? { responseMimeType: 'application/json', responseJsonSchema: call.schema.jsonSchema } : {}),
          ...(tools.length > 0
            ? { tools: [{ functionDeclarations: tools.map((t) => ({ name: wireToolName(t.name), description: t.description, parametersJsonSchema: t.inputSchema })) }] }
            : {}),
          ...(call.toolChoice ? { toolConfig: { functionCallingConfig: { mode: CHOICE_MODE[call.toolChoice] } } } : {}),
          abortSignal: call.signal,
          httpOptions: {
            timeout: sdkBackstopTimeout(call.timeoutMs),
            fetch: inspectingFetch('google', (r) => {
              observed = r;
            }),
          },
        },
      });
    } catch (err) {
      if (call.signal.aborted) throw err;
      if (err instanceof ApiError) {
        throw sdkFailure('google', model, err, { status: err.status, headers: observed?.headers, bodyText: err.message });
      }
      throw sdkFailure('google', model, err);
    }
    const candidate = response?.candidates?.[0];
    const blocked = response?.promptFeedback?.blockReason;
    if (blocked || (candidate?.finishReason && REFUSAL_FINISH.has(candidate.finishReason))) {
      throw classifyProviderError({ provider: 'google', model, refusal: true, message: `blocked: ${blocked ?? candidate?.finishReason}` });
    }
    if (!candidate?.content?.parts) {
      throw classifyProviderError({ provider: 'google', model, malformed: true, message: 'the response has no candidates' });
    }
    const decodeName = toolNameDecoder(tools, call.messages);
    const parts: string[] = [];
    const toolCalls: ToolCall[] = [];
    for (const part of candidate.content.parts) {
      if (typeof part.text === 'string' && !part.thought) parts.push(part.text);
      else if (part.functionCall && tools.length > 0) {
        const { id, name = '', args } = part.functionCall;
        toolCalls.push({
          // The Gemini API may give no id; the results must quote one all the same.
          id: id || derivedToolCallId(call.messages, toolCalls.length, name, args ?? {}),
          name: decodeName(name),
          ...toolArguments(args),
          ...(part.thoughtSignature ? { thoughtSignature: part.thoughtSignature } : {}),
        });
      }
      // Without tools offered, a function call is a structured answer in another form.
      else if (part.functionCall?.args) parts.push(JSON.stringify(part.functionCall.args));
    }
    const usage = response.usageMetadata;
    return {
      text: parts.join(''),
      ...(toolCalls.length > 0 ? { toolCalls } : {}),
      usage: {
        inputTokens: usage?.promptTokenCount ?? 0,
        // Thinking tokens are billed as output.
        outputTokens: (usage?.candidatesTokenCount ?? 0) + (usage?.thoughtsTokenCount ?? 0),
      },
      truncated: candidate.finishReason === 'MAX_TOKENS',
    };
  }
}
