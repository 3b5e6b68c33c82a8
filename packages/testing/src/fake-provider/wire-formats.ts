import type { IncomingHttpHeaders } from 'node:http';

export type FakeProviderName = 'anthropic' | 'openai' | 'google';

/** What the fake server understood of a request, whatever the provider's format. */
export interface ParsedRequest {
  model: string;
  /** Every text of the prompt, for token counts. */
  promptText: string;
  lastUserText: string;
  /** How the client asked for the answer. */
  mode: 'text' | 'json_schema' | 'tool';
  schema?: unknown;
  toolName?: string;
}

/** The model's answer: text, or a value to serialise in the provider's structured form. */
export interface FakeAnswer {
  text?: string;
  object?: unknown;
}

export interface ErrorOptions {
  message: string;
  /** The provider's non-retryable quota variant of a 429. */
  quota?: boolean;
  retryAfterSeconds?: number;
}

export interface WireFormat {
  provider: FakeProviderName;
  /** The route's model when the path carries it (Gemini), '' for a matching route without, undefined for no match. */
  route(method: string, path: string): string | undefined;
  apiKey(headers: IncomingHttpHeaders, url: URL): string | undefined;
  parse(body: Record<string, unknown>, routeModel: string): ParsedRequest;
  success(request: ParsedRequest, answer: FakeAnswer, usage: { input: number; output: number }, id: string): Record<string, unknown>;
  error(status: number, options: ErrorOptions): { body: Record<string, unknown>; headers: Record<string, string> };
}

type Json = Record<string, unknown>;

function rec(value: unknown): Json {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
}

function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** Text of a content field: a string or an array of {type: 'text', text} / {text} parts. */
function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  return arr(content)
    .map((part) => (typeof rec(part)['text'] === 'string' ? (rec(part)['text'] as string) : ''))
    .join('');
}

function retryHeaders(options: ErrorOptions): Record<string, string> {
  return options.retryAfterSeconds === undefined ? {} : { 'retry-after': String(options.retryAfterSeconds) };
}

function serialise(answer: FakeAnswer): string {
  return answer.text ?? JSON.stringify(answer.object ?? null);
}

export const anthropicWire: WireFormat = {
  provider: 'anthropic',
  route: (method, path) => (method === 'POST' && path === '/v1/messages' ? '' : undefined),
  // The SDK sends the API key as a bearer token; older clients send x-api-key.
  apiKey: (headers) => {
    if (typeof headers['x-api-key'] === 'string') return headers['x-api-key'];
    const auth = headers['authorization'];
    return typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice(7) : undefined;
  },
  parse(body) {
    const messages = arr(body['messages']).map(rec);
    const system = textOf(body['system']);
    const lastUser = [...messages].reverse().find((m) => m['role'] === 'user');
    const format = rec(rec(body['output_config'])['format']);
    const legacyFormat = rec(body['output_format']);
    const tools = arr(body['tools']).map(rec);
    const choice = rec(body['tool_choice']);
    const base = { model: String(body['model'] ?? ''), promptText: system + messages.map((m) => textOf(m['content'])).join(''), lastUserText: textOf(lastUser?.['content']) };
    if (format['type'] === 'json_schema' || legacyFormat['type'] === 'json_schema') {
      return { ...base, mode: 'json_schema', schema: format['schema'] ?? legacyFormat['schema'] };
    }
    if (tools.length > 0 && (choice['type'] === 'tool' || choice['type'] === 'any')) {
      const tool = tools.find((t) => t['name'] === choice['name']) ?? tools[0] ?? {};
      return { ...base, mode: 'tool', schema: tool['input_schema'], toolName: String(tool['name'] ?? 'tool') };
    }
    return { ...base, mode: 'text' };
  },
  success(request, answer, usage, id) {
    const content =
      request.mode === 'tool' && answer.text === undefined
        ? [{ type: 'tool_use', id: `toolu_${id}`, name: request.toolName, input: answer.object ?? {} }]
        : [{ type: 'text', text: serialise(answer), citations: null }];
    return {
      id: `msg_${id}`,
      type: 'message',
      role: 'assistant',
      model: request.model,
      content,
      stop_reason: request.mode === 'tool' && answer.text === undefined ? 'tool_use' : 'end_turn',
      stop_sequence: null,
      stop_details: null,
      container: null,
      usage: { input_tokens: usage.input, output_tokens: usage.output, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, service_tier: 'standard' },
    };
  },
  error(status, options) {
    const types: Record<number, string> = {
      400: 'invalid_request_error',
      401: 'authentication_error',
      402: 'billing_error',
      403: 'permission_error',
      404: 'not_found_error',
      429: 'rate_limit_error',
      504: 'timeout_error',
      529: 'overloaded_error',
    };
    const type = types[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
    const details = options.quota ? { details: { error_code: 'enforced_spend_limit_reached' } } : {};
    return {
      body: { type: 'error', error: { type, message: options.message, ...details }, request_id: 'req_fake' },
      headers: { 'request-id': 'req_fake', ...retryHeaders(options) },
    };
  },
};

export const openaiWire: WireFormat = {
  provider: 'openai',
  route: (method, path) => (method === 'POST' && path === '/v1/chat/completions' ? '' : undefined),
  apiKey: (headers) => {
    const auth = headers['authorization'];
    return typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice(7) : undefined;
  },
  parse(body) {
    const messages = arr(body['messages']).map(rec);
    const lastUser = [...messages].reverse().find((m) => m['role'] === 'user');
    const format = rec(body['response_format']);
    const tools = arr(body['tools']).map(rec);
    const choice = body['tool_choice'];
    const base = { model: String(body['model'] ?? ''), promptText: messages.map((m) => textOf(m['content'])).join(''), lastUserText: textOf(lastUser?.['content']) };
    if (format['type'] === 'json_schema') return { ...base, mode: 'json_schema', schema: rec(format['json_schema'])['schema'] };
    if (format['type'] === 'json_object') return { ...base, mode: 'json_schema', schema: { type: 'object', properties: { answer: { type: 'string' } } } };
    if (tools.length > 0 && (choice === 'required' || rec(choice)['type'] === 'function')) {
      const wanted = rec(rec(choice)['function'])['name'];
      const tool = rec((tools.find((t) => rec(t['function'])['name'] === wanted) ?? tools[0])?.['function']);
      return { ...base, mode: 'tool', schema: tool['parameters'], toolName: String(tool['name'] ?? 'tool') };
    }
    return { ...base, mode: 'text' };
  },
  success(request, answer, usage, id) {
    const asTool = request.mode === 'tool' && answer.text === undefined;
    return {
      id: `chatcmpl-${id}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: request.model,
      choices: [
        {
          index: 0,
          message: asTool
            ? { role: 'assistant', content: null, refusal: null, tool_calls: [{ id: `call_${id}`, type: 'function', function: { name: request.toolName, arguments: JSON.stringify(answer.object ?? {}) } }] }
            : { role: 'assistant', content: serialise(answer), refusal: null },
          finish_reason: asTool ? 'tool_calls' : 'stop',
          logprobs: null,
        },
      ],
      usage: { prompt_tokens: usage.input, completion_tokens: usage.output, total_tokens: usage.input + usage.output },
      system_fingerprint: 'fp_fake',
    };
  },
  error(status, options) {
    let type = status >= 500 ? 'server_error' : 'invalid_request_error';
    let code: string | null = null;
    if (status === 401) code = 'invalid_api_key';
    if (status === 404) code = 'model_not_found';
    if (status === 429) {
      type = options.quota ? 'insufficient_quota' : 'requests';
      code = options.quota ? 'insufficient_quota' : 'rate_limit_exceeded';
    }
    return {
      body: { error: { message: options.message, type, param: null, code } },
      headers: { 'x-request-id': 'req_fake', ...retryHeaders(options) },
    };
  },
};

const GOOGLE_STATUS: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

export const googleWire: WireFormat = {
  provider: 'google',
  route: (method, path) => {
    const match = /^\/v1(?:beta|alpha)?\/models\/([^/:]+):generateContent$/.exec(path);
    return method === 'POST' && match?.[1] ? decodeURIComponent(match[1]) : undefined;
  },
  apiKey: (headers, url) => (typeof headers['x-goog-api-key'] === 'string' ? headers['x-goog-api-key'] : (url.searchParams.get('key') ?? undefined)),
  parse(body, routeModel) {
    const contents = arr(body['contents']).map(rec);
    const textOfParts = (c: Json) => arr(c['parts']).map((p) => (typeof rec(p)['text'] === 'string' ? rec(p)['text'] : '')).join('');
    const system = textOfParts(rec(body['systemInstruction']));
    const lastUser = [...contents].reverse().find((c) => c['role'] !== 'model');
    const config = rec(body['generationConfig']);
    const declarations = arr(body['tools']).flatMap((t) => arr(rec(t)['functionDeclarations'])).map(rec);
    const mode = rec(rec(body['toolConfig'])['functionCallingConfig'])['mode'];
    const base = { model: routeModel, promptText: system + contents.map(textOfParts).join(''), lastUserText: lastUser ? textOfParts(lastUser) : '' };
    if (config['responseJsonSchema'] !== undefined || config['responseSchema'] !== undefined) {
      return { ...base, mode: 'json_schema', schema: config['responseJsonSchema'] ?? config['responseSchema'] };
    }
    if (declarations.length > 0 && mode === 'ANY') {
      const declaration = declarations[0] ?? {};
      return { ...base, mode: 'tool', schema: declaration['parametersJsonSchema'] ?? declaration['parameters'], toolName: String(declaration['name'] ?? 'tool') };
    }
    return { ...base, mode: 'text' };
  },
  success(request, answer, usage, id) {
    const part = request.mode === 'tool' && answer.text === undefined ? { functionCall: { name: request.toolName, args: answer.object ?? {} } } : { text: serialise(answer) };
    return {
      candidates: [{ content: { parts: [part], role: 'model' }, finishReason: 'STOP', index: 0 }],
      usageMetadata: { promptTokenCount: usage.input, candidatesTokenCount: usage.output, totalTokenCount: usage.input + usage.output },
      modelVersion: request.model,
      responseId: id,
    };
  },
  error(status, options) {
    const details: Json[] = [];
    if (status === 429) {
      details.push({
        '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
        violations: [
          {
            quotaMetric: 'generativelanguage.googleapis.com/generate_content_requests',
            quotaId: options.quota ? 'GenerateRequestsPerDayPerProjectPerModel-FreeTier' : 'GenerateRequestsPerMinutePerProjectPerModel',
          },
        ],
      });
      if (options.retryAfterSeconds !== undefined) details.push({ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${options.retryAfterSeconds}s` });
    }
    return {
      body: { error: { code: status, message: options.message, status: GOOGLE_STATUS[status] ?? (status >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION'), ...(details.length > 0 ? { details } : {}) } },
      headers: retryHeaders(options),
    };
  },
};

export const WIRE_FORMATS: Record<FakeProviderName, WireFormat> = { anthropic: anthropicWire, openai: openaiWire, google: googleWire };
