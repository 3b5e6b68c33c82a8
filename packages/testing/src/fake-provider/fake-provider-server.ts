import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { answerForSchema } from './schema-answer';
import { WIRE_FORMATS, type FakeAnswer, type FakeAttachment, type FakeProviderName, type FakeTool, type FakeToolCall, type FakeToolResult, type ParsedRequest, type WireFormat } from './wire-formats';

export type { FakeAnswer, FakeAttachment, FakeProviderName, FakeTool, FakeToolCall, FakeToolResult, ParsedRequest } from './wire-formats';

/**
 * What the next matching requests of a provider suffer. Every fault speaks the provider's own
 * wire format, so the real SDKs see exactly what the real APIs would send.
 */
export type Fault =
  /** An error status with the provider's error body (500, 503, 529, 429 with retry-after, 401, 400, 404 …). */
  | { kind: 'status'; status: number; retryAfterSeconds?: number; message?: string }
  /** The 429 a retry cannot fix: Anthropic spend limit, OpenAI insufficient_quota, Gemini per-day RESOURCE_EXHAUSTED. */
  | { kind: 'quota' }
  /** A 200 whose body is cut-off JSON. */
  | { kind: 'malformed_json' }
  /** A 200 whose body is an error object (errors can arrive after the status line). */
  | { kind: 'error_in_200'; status?: number }
  /** Never answer: only the client's timeout or abort ends the request. */
  | { kind: 'hang' }
  /** Reset the TCP connection without answering. */
  | { kind: 'reset' }
  /** Answer normally after a delay. */
  | { kind: 'latency'; ms: number }
  /** Answer 200 with content that does not satisfy the requested schema (not JSON by default). */
  | { kind: 'invalid_output'; text?: string };

export interface FaultOptions {
  /** How many requests the fault applies to; default: every one until cleared. */
  times?: number;
  /** Only requests for this model id. */
  model?: string;
}

export interface RecordedRequest {
  provider: FakeProviderName;
  model: string;
  path: string;
  /** ms since the epoch when the request arrived. */
  at: number;
  mode: ParsedRequest['mode'] | 'unparsed';
  body: unknown;
  /** The tools offered, as on the wire ([] when none or unparsed). */
  tools: FakeTool[];
  /** Tool calls of earlier model turns the client sent back. */
  toolCalls: FakeToolCall[];
  toolResults: FakeToolResult[];
  /** Files of the user turns, in the provider's wire form ([] when none or unparsed). */
  attachments: FakeAttachment[];
  fault?: Fault['kind'];
  /** Status sent; undefined for hang and reset. */
  status?: number;
  /** The client went away before an answer was written (its timeout or abort cancelled the request). */
  clientClosed: boolean;
}

/**
 * Answers a request in place of the default: a string is text, `{object}` a structured answer,
 * `{toolCalls: [...]}` a turn that calls tools (e.g. while `request.toolResults` is empty).
 */
export type FakeResponder = (request: ParsedRequest) => FakeAnswer | string | undefined;

export interface FakeProviderServerOptions {
  /** Default 0: an ephemeral port. */
  port?: number;
  host?: string;
  /** When set, other keys get the provider's 401; otherwise any non-empty key is accepted. */
  apiKeys?: Partial<Record<FakeProviderName, string>>;
  /** Added to every answer, per provider (benchmarks). */
  latencyMs?: Partial<Record<FakeProviderName, number>>;
}

interface FaultRule {
  fault: Fault;
  remaining: number;
  model?: string;
}

const PROVIDERS: FakeProviderName[] = ['anthropic', 'openai', 'google'];

/** Text that the fake moderation endpoint flags (category violence). */
export const MODERATION_FLAG_MARKER = 'FAKE-MODERATION-FLAG';
/** Text that makes the fake moderation endpoint fail with a 500. */
export const MODERATION_FAIL_MARKER = 'FAKE-MODERATION-FAIL';

function sleep(ms: number, res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    res.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * A local HTTP server that speaks the Anthropic Messages, OpenAI Chat Completions and Gemini
 * generateContent wire formats, including structured output and tool calling (a responder
 * scripts tool-call turns; the tools offered and the results sent back are recorded, and tool
 * turns the real API would refuse get its 400), with per-provider fault injection. Point the
 * real SDKs at `baseUrls`; never mock them.
 *
 * Control from another process: GET /_control/requests, POST /_control/faults
 * {provider, fault, times?, model?}, DELETE /_control/faults, POST /_control/reset.
 */
export class FakeProviderServer {
  readonly url: string;
  readonly port: number;
  /** For ANTHROPIC_BASE_URL, OPENAI_BASE_URL and GEMINI_BASE_URL. */
  readonly baseUrls: Record<FakeProviderName, string>;
  private readonly faults = new Map<FakeProviderName, FaultRule[]>();
  private readonly responders = new Map<FakeProviderName, FakeResponder>();
  private readonly latency: Partial<Record<FakeProviderName, number>>;
  private readonly recorded: RecordedRequest[] = [];
  private readonly moderations: { inputs: string[]; status: number; at: number }[] = [];
  private readonly embeddingCalls: { provider: FakeProviderName; model: string; inputs: string[]; status: number }[] = [];
  private readonly sockets = new Set<Socket>();
  private sequence = 0;

  private constructor(
    private readonly server: Server,
    private readonly options: FakeProviderServerOptions,
  ) {
    const address = server.address() as AddressInfo;
    this.port = address.port;
    this.url = `http://${options.host ?? '127.0.0.1'}:${address.port}`;
    this.baseUrls = { anthropic: `${this.url}/anthropic`, openai: `${this.url}/openai/v1`, google: `${this.url}/google` };
    this.latency = { ...(options.latencyMs ?? {}) };
  }

  static async start(options: FakeProviderServerOptions = {}): Promise<FakeProviderServer> {
    let instance: FakeProviderServer | undefined;
    const server = createServer((req, res) => {
      instance?.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`fake provider server error: ${String(err)}`);
      });
    });
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
    });
    instance = new FakeProviderServer(server, options);
    server.on('connection', (socket) => {
      instance?.sockets.add(socket);
      socket.on('close', () => instance?.sockets.delete(socket));
    });
    return instance;
  }

  /** Adds a fault for a provider (or all three); rules apply in the order they were added. */
  inject(provider: FakeProviderName | 'all', fault: Fault, options: FaultOptions = {}): void {
    for (const p of provider === 'all' ? PROVIDERS : [provider]) {
      const rules = this.faults.get(p) ?? [];
      rules.push({ fault, remaining: options.times ?? Infinity, ...(options.model ? { model: options.model } : {}) });
      this.faults.set(p, rules);
    }
  }

  clearFaults(provider?: FakeProviderName): void {
    if (provider) this.faults.delete(provider);
    else this.faults.clear();
  }

  /** Replaces the default answer of a provider (return undefined to keep the default for a request). */
  respondWith(provider: FakeProviderName, responder: FakeResponder | undefined): void {
    if (responder) this.responders.set(provider, responder);
    else this.responders.delete(provider);
  }

  setLatency(provider: FakeProviderName, ms: number): void {
    this.latency[provider] = ms;
  }

  get requests(): readonly RecordedRequest[] {
    return this.recorded;
  }

  requestsFor(provider: FakeProviderName, model?: string): RecordedRequest[] {
    return this.recorded.filter((r) => r.provider === provider && (model === undefined || r.model === model));
  }

  /** Forgets faults, responders, latency and recorded requests. */
  reset(): void {
    this.faults.clear();
    this.responders.clear();
    for (const key of Object.keys(this.latency)) delete this.latency[key as FakeProviderName];
    Object.assign(this.latency, this.options.latencyMs ?? {});
    this.recorded.length = 0;
    this.moderations.length = 0;
    this.embeddingCalls.length = 0;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private takeFault(provider: FakeProviderName, model: string): Fault | undefined {
    const rules = this.faults.get(provider) ?? [];
    const rule = rules.find((r) => r.remaining > 0 && (r.model === undefined || r.model === model));
    if (!rule) return undefined;
    rule.remaining -= 1;
    return rule.fault;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    if (url.pathname.startsWith('/_control/')) return this.control(req, res, url);
    if (req.method === 'POST' && url.pathname === '/openai/v1/moderations') return this.moderate(req, res);
    if (req.method === 'POST' && url.pathname === '/openai/v1/embeddings') return this.embedOpenAi(req, res);
    const geminiEmbed = /^\/google\/v1(?:beta|alpha)?\/models\/([^/:]+):batchEmbedContents$/.exec(url.pathname);
    if (req.method === 'POST' && geminiEmbed) return this.embedGemini(req, res, geminiEmbed[1]!);
    const [, prefix, ...rest] = url.pathname.split('/');
    const provider = PROVIDERS.find((p) => p === prefix);
    const wire = provider ? WIRE_FORMATS[provider] : undefined;
    const path = `/${rest.join('/')}`;
    const routeModel = wire?.route(req.method ?? 'GET', path);
    if (!provider || !wire || routeModel === undefined) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `no fake route for ${req.method} ${url.pathname}` } }));
      return;
    }
    const raw = await readBody(req);
    const record: RecordedRequest = { provider, model: routeModel, path, at: Date.now(), mode: 'unparsed', body: raw, tools: [], toolCalls: [], toolResults: [], attachments: [], clientClosed: false };
    this.recorded.push(record);
    res.on('close', () => {
      if (!res.writableFinished) record.clientClosed = true;
    });
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return this.sendError(wire, res, record, 400, { message: 'request body is not valid JSON' });
    }
    const parsed = wire.parse(body, routeModel);
    Object.assign(record, { model: parsed.model, mode: parsed.mode, body, tools: parsed.tools, toolCalls: parsed.toolCalls, toolResults: parsed.toolResults, attachments: parsed.attachments });

    const key = wire.apiKey(req.headers, url);
    const expected = this.options.apiKeys?.[provider];
    if (!key || (expected !== undefined && key !== expected)) {
      return this.sendError(wire, res, record, 401, { message: 'invalid x-api-key / API key' });
    }
    const conversationError = wire.conversationError(body);
    if (conversationError) return this.sendError(wire, res, record, 400, { message: conversationError });

    const fault = this.takeFault(provider, parsed.model);
    if (fault) record.fault = fault.kind;
    const latency = (this.latency[provider] ?? 0) + (fault?.kind === 'latency' ? fault.ms : 0);
    if (latency > 0) await sleep(latency, res);
    if (res.destroyed) return;

    switch (fault?.kind) {
      case 'status':
        return this.sendError(wire, res, record, fault.status, {
          message: fault.message ?? `fake ${provider} failure ${fault.status}`,
          ...(fault.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: fault.retryAfterSeconds }),
        });
      case 'quota':
        return this.sendError(wire, res, record, 429, { message: `fake ${provider} quota exhausted`, quota: true });
      case 'malformed_json':
        record.status = 200;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"id": "broken", "content": [{"type": "text", "text": "cut o');
        return;
      case 'error_in_200': {
        const { body: errorBody } = wire.error(fault.status ?? 500, { message: `fake ${provider} error delivered with a 200` });
        record.status = 200;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(errorBody));
        return;
      }
      case 'hang':
        // Say nothing; the client's timeout or abort closes the socket.
        return;
      case 'reset':
        if (typeof req.socket.resetAndDestroy === 'function') req.socket.resetAndDestroy();
        else req.socket.destroy();
        return;
      case 'invalid_output':
        return this.sendAnswer(wire, res, record, parsed, { text: fault.text ?? 'Sure! Here is my answer, not in JSON at all.' });
      default:
        return this.sendAnswer(wire, res, record, parsed, this.answerFor(provider, parsed));
    }
  }

  /**
   * OpenAI's moderation endpoint: an input containing MODERATION_FLAG_MARKER is flagged
   * (violence), one containing MODERATION_FAIL_MARKER makes the whole request a 500; the rest pass.
   * Recorded in `moderationRequests`, not `requests` (those are model calls).
   */
  private async moderate(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const body = JSON.parse((await readBody(req)) || '{}') as { input?: unknown; model?: unknown };
    const inputs = (Array.isArray(body.input) ? body.input : [body.input]).map((i) => (typeof i === 'string' ? i : JSON.stringify(i ?? null)));
    const key = WIRE_FORMATS.openai.apiKey(req.headers, new URL(req.url ?? '/', this.url));
    const expected = this.options.apiKeys?.openai;
    if (!key || (expected !== undefined && key !== expected)) {
      this.moderations.push({ inputs, status: 401, at: Date.now() });
      return reply(401, { error: { message: 'invalid API key', type: 'invalid_request_error', code: 'invalid_api_key' } });
    }
    if (inputs.some((i) => i.includes(MODERATION_FAIL_MARKER))) {
      this.moderations.push({ inputs, status: 500, at: Date.now() });
      return reply(500, { error: { message: 'fake moderation failure', type: 'server_error', code: null } });
    }
    this.moderations.push({ inputs, status: 200, at: Date.now() });
    const categoryNames = ['harassment', 'hate', 'self-harm', 'sexual', 'violence'];
    reply(200, {
      id: `modr-fake${++this.sequence}`,
      model: typeof body.model === 'string' ? body.model : 'omni-moderation-latest',
      results: inputs.map((input) => {
        const flagged = input.includes(MODERATION_FLAG_MARKER);
        return {
          flagged,
          categories: Object.fromEntries(categoryNames.map((c) => [c, flagged && c === 'violence'])),
          category_scores: Object.fromEntries(categoryNames.map((c) => [c, flagged && c === 'violence' ? 0.97 : 0.001])),
          category_applied_input_types: Object.fromEntries(categoryNames.map((c) => [c, ['text']])),
        };
      }),
    });
  }

  /**
   * OpenAI's embeddings endpoint (`POST /v1/embeddings`): `input` a string or strings, `dimensions`
   * optional, `encoding_format` float or base64 (the SDK's default), answered with `data[]` in the
   * real shape. Vectors come from fakeEmbedding: texts sharing words are similar.
   */
  private async embedOpenAi(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = JSON.parse((await readBody(req)) || '{}') as { input?: unknown; model?: unknown; dimensions?: unknown; encoding_format?: unknown };
    const key = WIRE_FORMATS.openai.apiKey(req.headers, new URL(req.url ?? '/', this.url));
    const expected = this.options.apiKeys?.openai;
    const inputs = Array.isArray(body.input) ? body.input : [body.input];
    const model = typeof body.model === 'string' ? body.model : '';
    const reply = (status: number, payload: unknown) => {
      this.embeddingCalls.push({ provider: 'openai', model, inputs: inputs.map(String), status });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
    };
    if (!key || (expected !== undefined && key !== expected)) return reply(401, { error: { message: 'invalid API key', type: 'invalid_request_error', code: 'invalid_api_key' } });
    if (!model || inputs.some((i) => typeof i !== 'string' || i.length === 0)) return reply(400, { error: { message: "'input' must be a non-empty string or array of strings", type: 'invalid_request_error', code: null } });
    const dimensions = typeof body.dimensions === 'number' ? body.dimensions : 1536;
    const data = (inputs as string[]).map((text, index) => {
      const vector = fakeEmbedding(text, dimensions);
      const embedding = body.encoding_format === 'base64' ? Buffer.from(Float32Array.from(vector).buffer).toString('base64') : vector;
      return { object: 'embedding', index, embedding };
    });
    const tokens = (inputs as string[]).reduce((sum, t) => sum + Math.max(1, Math.ceil(t.length / 4)), 0);
    reply(200, { object: 'list', data, model, usage: { prompt_tokens: tokens, total_tokens: tokens } });
  }

  /** Gemini's `models/{model}:batchEmbedContents`: `requests[]` of `{model, content: {parts}, outputDimensionality}`, answered with `embeddings[].values`. */
  private async embedGemini(req: IncomingMessage, res: ServerResponse, model: string): Promise<void> {
    const body = JSON.parse((await readBody(req)) || '{}') as { requests?: { model?: string; content?: { parts?: { text?: string }[] }; outputDimensionality?: number }[] };
    const key = WIRE_FORMATS.google.apiKey(req.headers, new URL(req.url ?? '/', this.url));
    const expected = this.options.apiKeys?.google;
    const requests = Array.isArray(body.requests) ? body.requests : [];
    const texts = requests.map((r) => (r.content?.parts ?? []).map((p) => p.text ?? '').join(''));
    const reply = (status: number, payload: unknown) => {
      this.embeddingCalls.push({ provider: 'google', model, inputs: texts, status });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
    };
    if (!key || (expected !== undefined && key !== expected)) return reply(400, { error: { code: 400, message: 'API key not valid. Please pass a valid API key.', status: 'INVALID_ARGUMENT' } });
    if (requests.length === 0 || requests.some((r) => r.model !== `models/${model}`)) {
      return reply(400, { error: { code: 400, message: 'every request must name the model of the URL', status: 'INVALID_ARGUMENT' } });
    }
    reply(200, { embeddings: requests.map((r, i) => ({ values: fakeEmbedding(texts[i]!, r.outputDimensionality ?? 3072) })) });
  }

  /** Embedding requests received (OpenAI and Gemini): the model, the inputs and the status answered. */
  get embeddingRequests(): readonly { provider: FakeProviderName; model: string; inputs: string[]; status: number }[] {
    return this.embeddingCalls;
  }

  /** Moderation requests received: their inputs and the status answered. */
  get moderationRequests(): readonly { inputs: string[]; status: number; at: number }[] {
    return this.moderations;
  }

  private answerFor(provider: FakeProviderName, request: ParsedRequest): FakeAnswer {
    const custom = this.responders.get(provider)?.(request);
    if (typeof custom === 'string') return { text: custom };
    if (custom) return custom;
    const topic = request.lastUserText.slice(0, 60) || 'the request';
    if (request.mode === 'text') return { text: `Fake ${provider} answer (${request.model}) to: ${topic}` };
    return { object: answerForSchema(request.schema, topic) };
  }

  private sendAnswer(wire: WireFormat, res: ServerResponse, record: RecordedRequest, request: ParsedRequest, answer: FakeAnswer): void {
    const outputText = answer.toolCalls?.length ? `${answer.text ?? ''}${JSON.stringify(answer.toolCalls)}` : (answer.text ?? JSON.stringify(answer.object ?? null));
    const usage = { input: Math.max(1, Math.ceil(request.promptText.length / 4)), output: Math.max(1, Math.ceil(outputText.length / 4)) };
    this.sequence += 1;
    const body = wire.success(request, answer, usage, `fake${this.sequence}`);
    record.status = 200;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  private sendError(wire: WireFormat, res: ServerResponse, record: RecordedRequest, status: number, options: Parameters<WireFormat['error']>[1]): void {
    const { body, headers } = wire.error(status, options);
    record.status = status;
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  }

  private async control(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const route = `${req.method} ${url.pathname}`;
    if (route === 'GET /_control/requests') return reply(200, this.recorded.map(({ body: _body, ...rest }) => rest));
    if (route === 'POST /_control/reset') {
      this.reset();
      return reply(200, { ok: true });
    }
    if (route === 'DELETE /_control/faults') {
      this.clearFaults();
      return reply(200, { ok: true });
    }
    if (route === 'POST /_control/faults') {
      const input = JSON.parse((await readBody(req)) || '{}') as { provider?: FakeProviderName | 'all'; fault?: Fault; times?: number; model?: string };
      if (!input.fault || !input.provider || (input.provider !== 'all' && !PROVIDERS.includes(input.provider))) {
        return reply(400, { error: 'expected {provider: anthropic|openai|google|all, fault: {kind, …}, times?, model?}' });
      }
      this.inject(input.provider, input.fault, { ...(input.times === undefined ? {} : { times: input.times }), ...(input.model ? { model: input.model } : {}) });
      return reply(200, { ok: true });
    }
    return reply(404, { error: `no control route ${route}` });
  }
}

/**
 * The fake providers' embedding: each lower-cased word of the text adds a fixed pseudo-random
 * direction, so texts that share words are similar and others nearly orthogonal; unit length.
 */
export function fakeEmbedding(text: string, dimensions: number): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  for (const word of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
    let h = 2166136261;
    for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), 16777619);
    for (let k = 0; k < 8; k++) {
      h = Math.imul(h ^ (h >>> 13), 0x5bd1e995);
      vector[(h >>> 0) % dimensions]! += (h & 1) === 0 ? 1 : -1;
    }
  }
  const norm = Math.sqrt(vector.reduce((s, v) => s + v * v, 0)) || 1;
  return vector.map((v) => v / norm);
}

export function startFakeProviderServer(options: FakeProviderServerOptions = {}): Promise<FakeProviderServer> {
  return FakeProviderServer.start(options);
}
