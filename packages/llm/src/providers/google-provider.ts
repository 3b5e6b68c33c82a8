import { ApiError, GoogleGenAI, type GenerateContentResponse } from '@google/genai';
import { classifyProviderError } from '../classify-provider-error';
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
 * Gemini API through @google/genai. Structured output uses `responseJsonSchema` with
 * `responseMimeType: application/json`. The SDK's errors carry no headers, so a per-request
 * fetch wrapper keeps them (retry-after).
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
    try {
      response = await this.client.models.generateContent({
        model,
        contents: call.messages.map((m) => ({ role: m.role === 'assistant' ? 'model' : 'user', parts: [{ text: m.content }] })),
        config: {
          ...(call.system ? { systemInstruction: call.system } : {}),
          maxOutputTokens: call.maxTokens,
          ...(call.temperature !== undefined && call.model.acceptsTemperature ? { temperature: call.temperature } : {}),
          ...(call.schema ? { responseMimeType: 'application/json', responseJsonSchema: call.schema.jsonSchema } : {}),
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
    const parts: string[] = [];
    for (const part of candidate.content.parts) {
      if (typeof part.text === 'string' && !part.thought) parts.push(part.text);
      else if (part.functionCall?.args) parts.push(JSON.stringify(part.functionCall.args));
    }
    const usage = response.usageMetadata;
    return {
      text: parts.join(''),
      usage: {
        inputTokens: usage?.promptTokenCount ?? 0,
        // Thinking tokens are billed as output.
        outputTokens: (usage?.candidatesTokenCount ?? 0) + (usage?.thoughtsTokenCount ?? 0),
      },
      truncated: candidate.finishReason === 'MAX_TOKENS',
    };
  }
}
