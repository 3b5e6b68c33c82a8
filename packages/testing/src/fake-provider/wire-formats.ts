import type { IncomingHttpHeaders } from 'node:http';

export type FakeProviderName = 'anthropic' | 'openai' | 'google';

/** A tool the client offered, as it was on the wire. */
export interface FakeTool {
  name: string;
  description?: string;
  inputSchema: unknown;
}

/**
 * A tool call: in a scripted answer (what the fake model asks for), or parsed from an earlier
 * model turn the client sent back.
 */
export interface FakeToolCall {
  /** The wire name, as a model sends it (the name the client offered). */
  name: string;
  arguments?: unknown;
  /** In an answer, default: a fresh id in the provider's style (Gemini gives none). */
  id?: string;
  /** OpenAI only: the raw arguments string (an answer can send broken JSON with it). */
  argumentsText?: string;
  /** Gemini only: the signature on the call's part. */
  thoughtSignature?: string;
}

/** A tool result the client sent back. */
export interface FakeToolResult {
  /** Anthropic tool_use_id, OpenAI tool_call_id, Gemini functionResponse.id (optional there). */
  toolCallId?: string;
  /** Gemini only: the function name of the response. */
  name?: string;
  /** The result's text (Gemini: its `output` or `error` when a string, else the response as JSON). */
  content: string;
  /** Anthropic is_error; Gemini's `error` key; OpenAI has no flag (always false). */
  isError: boolean;
}

/**
 * A file the client sent in a user turn, as the provider's wire format carried it: `wire` names
 * the form (Anthropic `image`/`document` blocks, OpenAI `image_url`/`input_audio`/`file` parts,
 * Gemini `inlineData` parts), `data` is the base64 payload as sent.
 */
export interface FakeAttachment {
  wire: 'image' | 'document' | 'image_url' | 'input_audio' | 'file' | 'inlineData';
  /** The media type as the wire states it (OpenAI audio: `audio/wav` or `audio/mpeg` from its format). */
  mediaType: string;
  data: string;
  /** Anthropic document title, OpenAI file name; Gemini and images carry none. */
  name?: string;
}

/** What the fake server understood of a request, whatever the provider's format. */
export interface ParsedRequest {
  model: string;
  /** Every text of the prompt, for token counts. */
  promptText: string;
  /** The text of the last user turn that has text (tool results alone do not count). */
  lastUserText: string;
  /** How the client asked for the answer. */
  mode: 'text' | 'json_schema' | 'tool';
  schema?: unknown;
  toolName?: string;
  tools: FakeTool[];
  /** Tool calls of earlier model turns, in conversation order. */
  toolCalls: FakeToolCall[];
  toolResults: FakeToolResult[];
  /** Files of the user turns, in conversation order. */
  attachments: FakeAttachment[];
}

/** The model's answer: text, a value to serialise in the provider's structured form, or tool calls. */
export interface FakeAnswer {
  text?: string;
  object?: unknown;
  /** Ask for these tools (several: parallel calls in one turn); `text` goes alongside when set. */
  toolCalls?: FakeToolCall[];
  /** The answer stops at the token limit (the provider's max-tokens stop reason). */
  truncated?: boolean;
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
  /** What the real API would answer 400 to in the tools and tool turns of a request (undefined when fine). */
  conversationError(body: Record<string, unknown>): string | undefined;
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

/** `data:<type>;base64,<data>` split; undefined when the URL is not a base64 data URL. */
function dataUrl(url: unknown): { mediaType: string; data: string } | undefined {
  const match = typeof url === 'string' ? /^data:([^;,]+);base64,(.*)$/s.exec(url) : null;
  return match ? { mediaType: match[1] ?? '', data: match[2] ?? '' } : undefined;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** What the real APIs answer 400 to in an attachment, whatever the provider (undefined when fine). */
function attachmentError(attachments: FakeAttachment[], allowedTypes: (a: FakeAttachment) => readonly string[]): string | undefined {
  for (const [i, a] of attachments.entries()) {
    if (!a.data || a.data.length % 4 !== 0 || !BASE64.test(a.data)) return `attachment ${i} (${a.wire}): the data is not valid base64`;
    const allowed = allowedTypes(a);
    if (!allowed.includes(a.mediaType)) return `attachment ${i} (${a.wire}): media type ${a.mediaType} is not one of ${allowed.join(', ')}`;
  }
  return undefined;
}

const ANTHROPIC_IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'] as const;
const GEMINI_INLINE_TYPES = [...ANTHROPIC_IMAGE_TYPES, 'application/pdf', 'audio/wav', 'audio/mpeg', 'audio/mp3'] as const;

function retryHeaders(options: ErrorOptions): Record<string, string> {
  return options.retryAfterSeconds === undefined ? {} : { 'retry-after': String(options.retryAfterSeconds) };
}

function serialise(answer: FakeAnswer): string {
  return answer.text ?? JSON.stringify(answer.object ?? null);
}

function hasToolCalls(answer: FakeAnswer): answer is FakeAnswer & { toolCalls: FakeToolCall[] } {
  return (answer.toolCalls?.length ?? 0) > 0;
}

/** The rule OpenAI and Anthropic apply to tool names. */
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

function lastTextOf<T>(items: T[], isUser: (item: T) => boolean, text: (item: T) => string): string {
  for (const item of [...items].reverse()) if (isUser(item) && text(item)) return text(item);
  return '';
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
    const format = rec(rec(body['output_config'])['format']);
    const legacyFormat = rec(body['output_format']);
    const tools = arr(body['tools']).map(rec);
    const choice = rec(body['tool_choice']);
    const blocksOf = (role: string) => messages.filter((m) => m['role'] === role).flatMap((m) => arr(m['content']).map(rec));
    const base = {
      model: String(body['model'] ?? ''),
      promptText: system + messages.map((m) => textOf(m['content'])).join(''),
      lastUserText: lastTextOf(messages, (m) => m['role'] === 'user', (m) => textOf(m['content'])),
      tools: tools.map((t) => ({ name: String(t['name'] ?? ''), ...(typeof t['description'] === 'string' ? { description: t['description'] } : {}), inputSchema: t['input_schema'] })),
      toolCalls: blocksOf('assistant')
        .filter((b) => b['type'] === 'tool_use')
        .map((b) => ({ id: String(b['id']), name: String(b['name']), arguments: b['input'] })),
      toolResults: blocksOf('user')
        .filter((b) => b['type'] === 'tool_result')
        .map((b) => ({ toolCallId: String(b['tool_use_id']), content: textOf(b['content']), isError: b['is_error'] === true })),
      attachments: blocksOf('user')
        .filter((b) => (b['type'] === 'image' || b['type'] === 'document') && rec(b['source'])['type'] === 'base64')
        .map((b): FakeAttachment => {
          const source = rec(b['source']);
          return {
            wire: b['type'] === 'image' ? 'image' : 'document',
            mediaType: String(source['media_type'] ?? ''),
            data: String(source['data'] ?? ''),
            ...(typeof b['title'] === 'string' ? { name: b['title'] } : {}),
          };
        }),
    };
    if (format['type'] === 'json_schema' || legacyFormat['type'] === 'json_schema') {
      return { ...base, mode: 'json_schema', schema: format['schema'] ?? legacyFormat['schema'] };
    }
    if (tools.length > 0 && (choice['type'] === 'tool' || choice['type'] === 'any')) {
      const tool = tools.find((t) => t['name'] === choice['name']) ?? tools[0] ?? {};
      return { ...base, mode: 'tool', schema: tool['input_schema'], toolName: String(tool['name'] ?? 'tool') };
    }
    return { ...base, mode: 'text' };
  },
  conversationError(body) {
    const badAttachment = attachmentError(this.parse(body, '').attachments, (a) => (a.wire === 'image' ? ANTHROPIC_IMAGE_TYPES : ['application/pdf']));
    if (badAttachment) return badAttachment;
    const messages = arr(body['messages']).map(rec);
    const tools = arr(body['tools']).map(rec);
    const badTool = tools.findIndex((t) => !TOOL_NAME.test(String(t['name'] ?? '')));
    if (badTool >= 0) return `tools.${badTool}.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'`;
    const blocks = (m: Json | undefined) => arr(m?.['content']).map(rec);
    const idsOf = (m: Json | undefined, type: string, key: string) => blocks(m).filter((b) => b['type'] === type).map((b) => String(b[key]));
    let usesTools = false;
    for (const [i, message] of messages.entries()) {
      const uses = message['role'] === 'assistant' ? idsOf(message, 'tool_use', 'id') : [];
      const results = message['role'] === 'user' ? idsOf(message, 'tool_result', 'tool_use_id') : [];
      if (uses.length > 0 || results.length > 0) usesTools = true;
      const badId = uses.find((u) => !/^[a-zA-Z0-9_-]+$/.test(u));
      if (badId !== undefined) return `messages.${i}.content: tool_use.id: String should match pattern '^[a-zA-Z0-9_-]+$' (got ${badId})`;
      const types = blocks(message).map((b) => b['type']);
      const firstOther = types.findIndex((t) => t !== 'tool_result');
      if (results.length > 0 && firstOther >= 0 && firstOther < types.lastIndexOf('tool_result')) {
        return `messages.${i}: tool_result blocks must come before any other content in a user message`;
      }
      const previousUses = new Set(idsOf(messages[i - 1], 'tool_use', 'id'));
      const unexpected = results.find((r) => !previousUses.has(r));
      if (unexpected !== undefined) {
        return `messages.${i}.content: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${unexpected}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`;
      }
      const next = messages[i + 1];
      const answered = new Set(next?.['role'] === 'user' ? idsOf(next, 'tool_result', 'tool_use_id') : []);
      const unanswered = uses.filter((u) => !answered.has(u));
      if (next && unanswered.length > 0) {
        return `messages.${i}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${unanswered.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`;
      }
    }
    if (usesTools && tools.length === 0) return 'Requests which include `tool_use` or `tool_result` blocks must define tools.';
    return undefined;
  },
  success(request, answer, usage, id) {
    const content = hasToolCalls(answer)
      ? [
          ...(answer.text ? [{ type: 'text', text: answer.text, citations: null }] : []),
          ...answer.toolCalls.map((c, i) => ({ type: 'tool_use', id: c.id ?? `toolu_${id}_${i + 1}`, name: c.name, input: c.arguments ?? {}, caller: { type: 'direct' } })),
        ]
      : request.mode === 'tool' && answer.text === undefined
        ? [{ type: 'tool_use', id: `toolu_${id}`, name: request.toolName, input: answer.object ?? {}, caller: { type: 'direct' } }]
        : [{ type: 'text', text: serialise(answer), citations: null }];
    return {
      id: `msg_${id}`,
      type: 'message',
      role: 'assistant',
      model: request.model,
      content,
      stop_reason: answer.truncated ? 'max_tokens' : hasToolCalls(answer) || (request.mode === 'tool' && answer.text === undefined) ? 'tool_use' : 'end_turn',
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
    const format = rec(body['response_format']);
    const tools = arr(body['tools']).map(rec);
    const choice = body['tool_choice'];
    const base = {
      model: String(body['model'] ?? ''),
      promptText: messages.map((m) => textOf(m['content'])).join(''),
      lastUserText: lastTextOf(messages, (m) => m['role'] === 'user', (m) => textOf(m['content'])),
      tools: tools.map((t) => {
        const fn = rec(t['function']);
        return { name: String(fn['name'] ?? ''), ...(typeof fn['description'] === 'string' ? { description: fn['description'] } : {}), inputSchema: fn['parameters'] };
      }),
      toolCalls: messages
        .filter((m) => m['role'] === 'assistant')
        .flatMap((m) => arr(m['tool_calls']).map(rec))
        .map((c) => {
          const fn = rec(c['function']);
          const argumentsText = String(fn['arguments'] ?? '');
          let parsed: unknown;
          try {
            parsed = JSON.parse(argumentsText);
          } catch {
            parsed = undefined;
          }
          return { id: String(c['id']), name: String(fn['name']), arguments: parsed, argumentsText };
        }),
      toolResults: messages.filter((m) => m['role'] === 'tool').map((m) => ({ toolCallId: String(m['tool_call_id']), content: textOf(m['content']), isError: false })),
      attachments: messages
        .filter((m) => m['role'] === 'user')
        .flatMap((m) => arr(m['content']).map(rec))
        .flatMap((p): FakeAttachment[] => {
          if (p['type'] === 'image_url') {
            const parsed = dataUrl(rec(p['image_url'])['url']);
            return parsed ? [{ wire: 'image_url', ...parsed }] : [];
          }
          if (p['type'] === 'input_audio') {
            const audio = rec(p['input_audio']);
            return [{ wire: 'input_audio', mediaType: audio['format'] === 'mp3' ? 'audio/mpeg' : `audio/${String(audio['format'])}`, data: String(audio['data'] ?? '') }];
          }
          if (p['type'] === 'file') {
            const file = rec(p['file']);
            const parsed = dataUrl(file['file_data']);
            return parsed ? [{ wire: 'file', ...parsed, ...(typeof file['filename'] === 'string' ? { name: file['filename'] } : {}) }] : [];
          }
          return [];
        }),
    };
    if (format['type'] === 'json_schema') return { ...base, mode: 'json_schema', schema: rec(format['json_schema'])['schema'] };
    if (format['type'] === 'json_object') return { ...base, mode: 'json_schema', schema: { type: 'object', properties: { answer: { type: 'string' } } } };
    if (tools.length > 0 && (choice === 'required' || rec(choice)['type'] === 'function')) {
      const wanted = rec(rec(choice)['function'])['name'];
      const tool = rec((tools.find((t) => rec(t['function'])['name'] === wanted) ?? tools[0])?.['function']);
      return { ...base, mode: 'tool', schema: tool['parameters'], toolName: String(tool['name'] ?? 'tool') };
    }
    return { ...base, mode: 'text' };
  },
  conversationError(body) {
    const badAttachment = attachmentError(this.parse(body, '').attachments, (a) =>
      a.wire === 'image_url' ? ANTHROPIC_IMAGE_TYPES : a.wire === 'input_audio' ? ['audio/wav', 'audio/mpeg'] : ['application/pdf'],
    );
    if (badAttachment) return badAttachment;
    const messages = arr(body['messages']).map(rec);
    const tools = arr(body['tools']).map(rec);
    const badTool = tools.findIndex((t) => !TOOL_NAME.test(String(rec(t['function'])['name'] ?? '')));
    if (badTool >= 0) return `Invalid 'tools[${badTool}].function.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.`;
    let pending = new Set<string>();
    const unanswered = () =>
      `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${[...pending].join(', ')}`;
    for (const [i, message] of messages.entries()) {
      if (message['role'] === 'tool') {
        const id = String(message['tool_call_id']);
        if (!pending.delete(id)) return "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.";
        continue;
      }
      if (pending.size > 0) return unanswered();
      const calls = message['role'] === 'assistant' ? arr(message['tool_calls']).map(rec) : [];
      for (const [j, call] of calls.entries()) {
        const id = String(call['id'] ?? '');
        if (id.length > 40) return `Invalid 'messages[${i}].tool_calls[${j}].id': string too long. Expected a string with maximum length 40, but got a string with length ${id.length} instead.`;
      }
      pending = new Set(calls.map((c) => String(c['id'])));
    }
    return pending.size > 0 ? unanswered() : undefined;
  },
  success(request, answer, usage, id) {
    if (hasToolCalls(answer)) {
      return {
        id: `chatcmpl-${id}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: request.model,
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: answer.text ?? null,
              refusal: null,
              tool_calls: answer.toolCalls.map((c, i) => ({
                id: c.id ?? `call_${id}_${i + 1}`,
                type: 'function',
                function: { name: c.name, arguments: c.argumentsText ?? JSON.stringify(c.arguments ?? {}) },
              })),
            },
            finish_reason: answer.truncated ? 'length' : 'tool_calls',
            logprobs: null,
          },
        ],
        usage: { prompt_tokens: usage.input, completion_tokens: usage.output, total_tokens: usage.input + usage.output },
        system_fingerprint: 'fp_fake',
      };
    }
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
          finish_reason: answer.truncated ? 'length' : asTool ? 'tool_calls' : 'stop',
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

/** Gemini's own rule for function names (it allows dots and colons). */
const GEMINI_FUNCTION_NAME = /^[a-zA-Z_][a-zA-Z0-9_.:-]{0,127}$/;

function textOfParts(content: Json): string {
  return arr(content['parts'])
    .map((p) => (typeof rec(p)['text'] === 'string' ? rec(p)['text'] : ''))
    .join('');
}

export const googleWire: WireFormat = {
  provider: 'google',
  route: (method, path) => {
    const match = /^\/v1(?:beta|alpha)?\/models\/([^/:]+):generateContent$/.exec(path);
    return method === 'POST' && match?.[1] ? decodeURIComponent(match[1]) : undefined;
  },
  apiKey: (headers, url) => (typeof headers['x-goog-api-key'] === 'string' ? headers['x-goog-api-key'] : (url.searchParams.get('key') ?? undefined)),
  parse(body, routeModel) {
    const contents = arr(body['contents']).map(rec);
    const system = textOfParts(rec(body['systemInstruction']));
    const config = rec(body['generationConfig']);
    const declarations = arr(body['tools']).flatMap((t) => arr(rec(t)['functionDeclarations'])).map(rec);
    const mode = rec(rec(body['toolConfig'])['functionCallingConfig'])['mode'];
    const modelParts = contents.filter((c) => c['role'] === 'model').flatMap((c) => arr(c['parts']).map(rec));
    const userParts = contents.filter((c) => c['role'] !== 'model').flatMap((c) => arr(c['parts']).map(rec));
    const base = {
      model: routeModel,
      promptText: system + contents.map(textOfParts).join(''),
      lastUserText: lastTextOf(contents, (c) => c['role'] !== 'model', textOfParts),
      tools: declarations.map((d) => ({
        name: String(d['name'] ?? ''),
        ...(typeof d['description'] === 'string' ? { description: d['description'] } : {}),
        inputSchema: d['parametersJsonSchema'] ?? d['parameters'],
      })),
      toolCalls: modelParts
        .filter((p) => p['functionCall'] !== undefined)
        .map((p) => {
          const call = rec(p['functionCall']);
          return {
            ...(typeof call['id'] === 'string' ? { id: call['id'] } : {}),
            name: String(call['name']),
            arguments: call['args'],
            ...(typeof p['thoughtSignature'] === 'string' ? { thoughtSignature: p['thoughtSignature'] } : {}),
          };
        }),
      toolResults: userParts
        .filter((p) => p['functionResponse'] !== undefined)
        .map((p) => {
          const response = rec(rec(p['functionResponse'])['response']);
          const value = 'error' in response ? response['error'] : 'output' in response ? response['output'] : response;
          const id = rec(p['functionResponse'])['id'];
          return {
            ...(typeof id === 'string' ? { toolCallId: id } : {}),
            name: String(rec(p['functionResponse'])['name']),
            content: typeof value === 'string' ? value : JSON.stringify(value),
            isError: 'error' in response,
          };
        }),
      attachments: userParts
        .filter((p) => p['inlineData'] !== undefined)
        .map((p): FakeAttachment => ({ wire: 'inlineData', mediaType: String(rec(p['inlineData'])['mimeType'] ?? ''), data: String(rec(p['inlineData'])['data'] ?? '') })),
    };
    if (config['responseJsonSchema'] !== undefined || config['responseSchema'] !== undefined) {
      return { ...base, mode: 'json_schema', schema: config['responseJsonSchema'] ?? config['responseSchema'] };
    }
    if (declarations.length > 0 && mode === 'ANY') {
      const declaration = declarations[0] ?? {};
      return { ...base, mode: 'tool', schema: declaration['parametersJsonSchema'] ?? declaration['parameters'], toolName: String(declaration['name'] ?? 'tool') };
    }
    return { ...base, mode: 'text' };
  },
  conversationError(body) {
    const badAttachment = attachmentError(this.parse(body, '').attachments, () => GEMINI_INLINE_TYPES);
    if (badAttachment) return badAttachment;
    const contents = arr(body['contents']).map(rec);
    const declarations = arr(body['tools']).flatMap((t) => arr(rec(t)['functionDeclarations'])).map(rec);
    const badTool = declarations.findIndex((d) => !GEMINI_FUNCTION_NAME.test(String(d['name'] ?? '')));
    if (badTool >= 0) {
      return `* GenerateContentRequest.tools[0].function_declarations[${badTool}].name: Invalid function name. Must start with a letter or an underscore. Must be alphameric (a-z, A-Z, 0-9), underscores (_), dots (.), colons (:) or dashes (-), with a maximum length of 128.`;
    }
    const partsOf = (c: Json | undefined) => arr(c?.['parts']).map(rec);
    const calls = (c: Json | undefined) => (c?.['role'] === 'model' ? partsOf(c).filter((p) => p['functionCall'] !== undefined) : []);
    const responses = (c: Json | undefined) => (c?.['role'] !== 'model' ? partsOf(c).filter((p) => p['functionResponse'] !== undefined) : []);
    // Gemini 3 checks signatures in the current turn: everything after the last user text.
    const turnStart = contents.findLastIndex((c) => c['role'] !== 'model' && textOfParts(c) !== '') + 1;
    for (const [i, content] of contents.entries()) {
      const answered = responses(content).length;
      if (answered > 0 && calls(contents[i - 1]).length === 0) return 'Please ensure that function response turn comes immediately after a function call turn.';
      const called = calls(content);
      if (called.length === 0) continue;
      if (i + 1 < contents.length && responses(contents[i + 1]).length !== called.length) {
        return 'Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.';
      }
      const first = called[0] ?? {};
      if (i >= turnStart && typeof first['thoughtSignature'] !== 'string') {
        return `Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call \`${String(rec(first['functionCall'])['name'])}\`, position ${i + 1}. Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.`;
      }
    }
    return undefined;
  },
  success(request, answer, usage, id) {
    const parts = hasToolCalls(answer)
      ? [
          ...(answer.text ? [{ text: answer.text }] : []),
          // Gemini 3 signs the first function call of a turn; the client must send it back.
          ...answer.toolCalls.map((c, i) => ({
            functionCall: { ...(c.id ? { id: c.id } : {}), name: c.name, args: c.arguments ?? {} },
            ...(i === 0 ? { thoughtSignature: c.thoughtSignature ?? Buffer.from(`fake-signature-${id}`).toString('base64') } : c.thoughtSignature ? { thoughtSignature: c.thoughtSignature } : {}),
          })),
        ]
      : [request.mode === 'tool' && answer.text === undefined ? { functionCall: { name: request.toolName, args: answer.object ?? {} } } : { text: serialise(answer) }];
    return {
      candidates: [{ content: { parts, role: 'model' }, finishReason: answer.truncated ? 'MAX_TOKENS' : 'STOP', index: 0 }],
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
