import { lookup as dnsLookup } from 'node:dns/promises';
import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { LruCache } from '@mesh/core';
import {
  checkCallbackUrl,
  forbiddenAddressReason,
  metadataAddressReason,
  metadataHostnameReason,
  pinnedLookup,
  resolveWebhookTarget,
  WebhookRefusedError,
  type ResolvedAddress,
} from '@mesh/webhooks';
import { callSignal } from './call-signal';
import { OutboundRefusedError, OutboundRequestError } from './errors';

export interface OutboundPolicyOptions {
  /**
   * `host[:port]` entries (MESH_TOOL_ALLOWED_HOSTS) that may be loopback, private or link-local
   * (an entry without a port allows every port). Metadata endpoints stay refused.
   */
  allowedHosts?: readonly string[];
  /** Every address of a name (default: the system resolver); tests replace it. */
  resolve?: (hostname: string) => Promise<ResolvedAddress[]>;
  /** Bytes of a response body kept; the rest is cut off and the response marked truncated. */
  maxResponseBytes?: number;
  /** Lookup, connect, request and response of one call, unless the call sets its own. */
  timeoutMs?: number;
}

export const OUTBOUND_POLICY_DEFAULTS = {
  allowedHosts: [] as readonly string[],
  maxResponseBytes: 256 * 1024,
  timeoutMs: 10_000,
};

/** Where a checked URL connects: the address is pinned, the connection goes nowhere else. */
export interface OutboundTarget {
  url: URL;
  host: string;
  port: number;
  address: ResolvedAddress;
  /** The host is on the operator's allow-list (private addresses accepted). */
  allowed: boolean;
}

export interface OutboundRequest {
  url: string;
  method: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  signal?: AbortSignal;
  timeoutMs?: number;
  maxResponseBytes?: number;
  /** How messages name the URL (`document_url`); default `url`. */
  field?: string;
}

export interface OutboundResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** The body was longer than the cap and was cut. */
  truncated: boolean;
}

interface AllowedHost {
  host: string;
  port: number | null;
}

const systemResolve = async (hostname: string): Promise<ResolvedAddress[]> => dnsLookup(hostname, { all: true, verbatim: true });

/** `host` as the WHATWG URL parser writes it (IPv4 in dotted decimal, IPv6 compressed, no brackets), or null. */
function canonicalHost(host: string): string | null {
  try {
    return new URL(`http://${host}/`).hostname.replace(/^\[|\]$/g, '').replace(/\.+$/, '');
  } catch {
    return null;
  }
}

function parseAllowedHost(entry: string): AllowedHost {
  const text = entry.trim().toLowerCase();
  let host = text;
  let port: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) {
    host = `[${bracketed[1]}]`;
    port = bracketed[2];
  } else if ((text.match(/:/g) ?? []).length === 1) {
    [host = '', port] = text.split(':');
  } else if (text.includes(':')) {
    host = `[${text}]`; // a bare IPv6 address
  }
  const canonical = host ? canonicalHost(host) : null;
  const portNumber = port === undefined ? null : Number(port);
  if (!canonical || (portNumber !== null && !(Number.isInteger(portNumber) && portNumber >= 1 && portNumber <= 65_535))) {
    throw new Error(`invalid allowed host "${entry}": expected host or host:port`);
  }
  return { host: canonical, port: portNumber };
}

function defaultPort(url: URL): number {
  return Number(url.port || (url.protocol === 'https:' ? 443 : 80));
}

/** The URL without credentials, query or fragment: safe in messages. */
export function describeUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/**
 * The rules every outbound call of a tool follows (http tools, OpenAPI calls and document
 * fetches, MCP connections), on top of the webhook policy: the host is resolved and every
 * address it resolves to checked (loopback, private, link-local, reserved refused unless the host
 * is allow-listed; metadata endpoints refused always); the connection goes to the checked
 * address with no second lookup; redirects are never followed; bodies are capped; every call is
 * bounded in time.
 */
export class OutboundPolicy {
  private readonly allowed: AllowedHost[];
  private readonly connections = new KeptConnections();
  private readonly options: Required<Omit<OutboundPolicyOptions, 'resolve' | 'allowedHosts'>> & Pick<OutboundPolicyOptions, 'resolve'>;

  constructor(options: OutboundPolicyOptions = {}) {
    this.allowed = (options.allowedHosts ?? OUTBOUND_POLICY_DEFAULTS.allowedHosts).filter((entry) => entry.trim() !== '').map(parseAllowedHost);
    this.options = {
      maxResponseBytes: options.maxResponseBytes ?? OUTBOUND_POLICY_DEFAULTS.maxResponseBytes,
      timeoutMs: options.timeoutMs ?? OUTBOUND_POLICY_DEFAULTS.timeoutMs,
      ...(options.resolve ? { resolve: options.resolve } : {}),
    };
    if (!(this.options.maxResponseBytes > 0)) throw new Error('maxResponseBytes must be positive');
    if (!(this.options.timeoutMs > 0)) throw new Error('timeoutMs must be positive');
  }

  get defaultTimeoutMs(): number {
    return this.options.timeoutMs;
  }

  /** True when the operator allowed this host (and port). */
  isAllowedHost(host: string, port: number): boolean {
    const canonical = canonicalHost(host.includes(':') && !host.startsWith('[') ? `[${host}]` : host);
    return this.allowed.some((entry) => entry.host === canonical && (entry.port === null || entry.port === port));
  }

  /**
   * The checks that need no lookup (scheme, literal addresses, local and metadata names). Used
   * at registration for URLs that are only called later.
   */
  checkStatic(raw: string, field = 'url'): { url: URL; host: string; port: number; allowed: boolean } {
    const parsed = checkCallbackUrl(raw, { allowPrivateAddresses: true });
    if (!parsed.ok) throw new OutboundRefusedError(`${field} ${parsed.reason}`, field);
    const { url, host } = parsed;
    const port = defaultPort(url);
    const metadata = isIP(host) ? metadataAddressReason(host) : metadataHostnameReason(host);
    if (metadata) throw new OutboundRefusedError(`${field} is refused: ${metadata}`, field);
    const allowed = this.isAllowedHost(host, port);
    if (!allowed) {
      const strict = checkCallbackUrl(raw, { allowPrivateAddresses: false });
      if (!strict.ok) throw new OutboundRefusedError(`${field} ${strict.reason} (an operator may allow the host with MESH_TOOL_ALLOWED_HOSTS)`, field);
    }
    return { url, host, port, allowed };
  }

  /** The static checks, then the lookup: every address checked, the first one pinned. */
  async check(raw: string, options: { signal?: AbortSignal; field?: string } = {}): Promise<OutboundTarget> {
    const field = options.field ?? 'url';
    const { url, host, port, allowed } = this.checkStatic(raw, field);
    const lookup = this.options.resolve ?? systemResolve;
    const resolve = async (hostname: string): Promise<ResolvedAddress[]> => {
      let addresses: ResolvedAddress[];
      try {
        addresses = await lookup(hostname);
      } catch (err) {
        throw new OutboundRequestError(`${hostname} could not be resolved (${(err as NodeJS.ErrnoException).code ?? 'lookup failed'})`, { cause: err });
      }
      for (const { address } of addresses) {
        const metadata = metadataAddressReason(address);
        if (metadata) throw new OutboundRefusedError(`${field} is refused: ${hostname} resolves to ${metadata}`, field);
        const reason = allowed ? null : forbiddenAddressReason(address);
        if (reason) throw new OutboundRefusedError(`${field} is refused: ${hostname} resolves to a forbidden address: ${reason}`, field);
      }
      return addresses;
    };
    try {
      const address = await abortable(resolveWebhookTarget(host, { allowPrivateAddresses: allowed, resolve }), options.signal);
      return { url, host, port, address, allowed };
    } catch (err) {
      if (err instanceof OutboundRefusedError || err instanceof OutboundRequestError) throw err;
      if (err instanceof WebhookRefusedError) throw new OutboundRefusedError(`${field} is refused: ${err.message.replace(/^callback host /, '')}`, field);
      if (options.signal?.aborted) throw abortError(options.signal, `resolving ${host}`);
      throw new OutboundRequestError(`${host}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** One request through the policy; the whole body is read (up to the cap). */
  async request(request: OutboundRequest): Promise<OutboundResponse> {
    const maxBytes = request.maxResponseBytes ?? this.options.maxResponseBytes;
    const { signal, done } = callSignal(request.timeoutMs ?? this.options.timeoutMs, request.signal);
    try {
      const target = await this.check(request.url, { signal, ...(request.field ? { field: request.field } : {}) });
      const res = await this.send(target, request, signal);
      return await readCapped(res, maxBytes, signal);
    } finally {
      done();
    }
  }

  /**
   * A `fetch` for clients that stream (the MCP SDK's transport): the same checks and pinning; a
   * redirect is refused (the SDK would follow one within the origin); the time bound covers the
   * wait for the response headers, the body is bounded by the cap and the caller's signal.
   */
  readonly fetch = (input: string | URL, init: RequestInit = {}): Promise<Response> => this.streamingFetch(input, init, this.options.timeoutMs);

  /** The same `fetch`, waiting up to `timeoutMs` for response headers (a tool's own time bound). */
  fetchFor(options: { timeoutMs: number }): (input: string | URL, init?: RequestInit) => Promise<Response> {
    return (input, init = {}) => this.streamingFetch(input, init, options.timeoutMs);
  }

  /**
   * Sends a checked request. A safe one (GET, HEAD, OPTIONS without a body) goes over a kept-alive
   * connection to the same checked destination when there is one, and is sent once more, on a
   * new connection, if that connection turns out closed by the server before any answer (it may
   * close an idle one just as the request leaves). Any other request gets a connection of its own:
   * it is never sent twice.
   */
  private async send(target: OutboundTarget, request: Omit<OutboundRequest, 'signal'>, signal: AbortSignal): Promise<IncomingMessage> {
    if (!SAFE_METHODS.has(request.method.toUpperCase()) || request.body !== undefined) return sendTo(target, request, signal, false);
    try {
      return await sendTo(target, request, signal, this.connections.agentFor(target));
    } catch (err) {
      if (!(err instanceof ClosedKeptConnectionError)) throw err;
      return sendTo(target, request, signal, false);
    }
  }

  private async streamingFetch(input: string | URL, init: RequestInit, timeoutMs: number): Promise<Response> {
    const url = input instanceof URL ? input.href : String(input);
    const { signal, done } = callSignal(timeoutMs, init.signal ?? undefined);
    let res: IncomingMessage;
    try {
      const target = await this.check(url, { signal });
      const body = init.body;
      if (body !== undefined && body !== null && typeof body !== 'string' && !(body instanceof Uint8Array)) throw new OutboundRequestError('only string and byte bodies are supported');
      res = await this.send(target, { url, method: init.method ?? 'GET', headers: Object.fromEntries(new Headers(init.headers).entries()), ...(body ? { body: Buffer.from(body) } : {}) }, signal);
    } finally {
      done();
    }
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400) {
      res.destroy();
      throw new OutboundRefusedError(`${describeUrl(new URL(url))} answered ${status} (a redirect); redirects are not followed`);
    }
    const headers = new Headers();
    for (const [name, value] of Object.entries(res.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const callerSignal = init.signal ?? undefined;
    const onAbort = () => res.destroy(new Error('aborted'));
    callerSignal?.addEventListener('abort', onAbort, { once: true });
    res.once('close', () => callerSignal?.removeEventListener('abort', onAbort));
    const maxBytes = this.options.maxResponseBytes;
    let read = 0;
    // Set once the stream is closed, errored or cancelled by its reader: the controller takes nothing after that.
    let settled = false;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        const fail = (err: Error) => {
          if (settled) return;
          settled = true;
          controller.error(err);
        };
        res.on('data', (chunk: Buffer) => {
          if (settled) return;
          read += chunk.length;
          if (read > maxBytes) {
            fail(new OutboundRequestError(`the response is larger than ${maxBytes} bytes`));
            res.destroy();
            return;
          }
          controller.enqueue(new Uint8Array(chunk));
        });
        res.on('end', () => {
          if (settled) return;
          settled = true;
          controller.close();
        });
        res.on('error', fail);
        res.on('close', () => fail(new OutboundRequestError('the connection closed before the response ended')));
      },
      cancel() {
        settled = true;
        res.destroy();
      },
    });
    const nullBody = status === 204 || status === 205 || status === 304 || (init.method ?? 'GET').toUpperCase() === 'HEAD';
    if (nullBody) res.resume();
    return new Response(nullBody ? null : stream, { status, headers });
  }
}

function abortError(signal: AbortSignal, what: string): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof OutboundRequestError) return reason;
  return new OutboundRequestError(`${what} was cancelled`, { cause: reason });
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(abortError(signal, 'the call'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal, 'the call'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

/** Methods that change nothing (RFC 9110, 9.2.1): sending one again is harmless. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const KEPT_CONNECTIONS = {
  /** An idle connection is closed after this long (sooner when the server's Keep-Alive header says it closes sooner). */
  idleMs: 4_000,
  /** Destinations whose connections are kept; the one used least recently is closed first. */
  destinations: 64,
};

/**
 * Kept-alive connections, one pool per checked destination: scheme, host as named (the Host
 * header and TLS's server name), port and the pinned address. A connection is reused only for a
 * request checked to that same address, so keeping it cannot take a request anywhere its own
 * check did not allow. Measured in the tools bench: the HTTP part of a call, beyond the service's
 * own time, 3.0–3.7 ms against 4.0–4.3 with a new connection per call (2.0 since the
 * bookkeeping of the turn that asked for the call goes after its request). Idle connections do not
 * keep the process alive.
 */
class KeptConnections {
  private readonly agents = new LruCache<HttpAgent>(KEPT_CONNECTIONS.destinations, (agent) => agent.destroy());

  agentFor(target: OutboundTarget): HttpAgent {
    const key = `${target.url.protocol}//${target.host}:${target.port}@${target.address.address}`;
    let agent = this.agents.get(key);
    if (!agent) {
      const options = { keepAlive: true, timeout: KEPT_CONNECTIONS.idleMs };
      agent = target.url.protocol === 'https:' ? new HttpsAgent(options) : new HttpAgent(options);
      this.agents.set(key, agent);
    }
    return agent;
  }
}

/** A kept-alive connection the server had closed, found out before any answer came: the request may be sent again. */
class ClosedKeptConnectionError extends OutboundRequestError {}

/**
 * Sends the request to the pinned address, on a new connection (`agent` false) or a kept one;
 * resolves with the response as soon as its headers arrive.
 */
function sendTo(target: OutboundTarget, request: Omit<OutboundRequest, 'signal'>, signal: AbortSignal, agent: HttpAgent | false): Promise<IncomingMessage> {
  const { url } = target;
  const transport = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const auth = url.username ? `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` : undefined;
  const headers: Record<string, string> = { 'user-agent': 'agent-mesh-tools', ...request.headers };
  if (request.body !== undefined) headers['content-length'] = String(Buffer.byteLength(request.body));
  return new Promise<IncomingMessage>((resolve, reject) => {
    if (signal.aborted) {
      reject(abortError(signal, 'the call'));
      return;
    }
    let req: ClientRequest;
    try {
      req = transport(
        {
          protocol: url.protocol,
          hostname: target.host,
          port: target.port,
          path: `${url.pathname}${url.search}`,
          method: request.method.toUpperCase(),
          headers,
          ...(auth ? { auth } : {}),
          lookup: pinnedLookup(target.address),
          agent,
          signal,
        },
        resolve,
      );
    } catch (err) {
      reject(new OutboundRequestError(`request to ${describeUrl(url)} could not be sent: ${(err as Error).message}`, { cause: err }));
      return;
    }
    req.on('error', (err) => {
      if (signal.aborted) reject(abortError(signal, `the request to ${describeUrl(url)}`));
      else if (req.reusedSocket && (err as NodeJS.ErrnoException).code === 'ECONNRESET') reject(new ClosedKeptConnectionError(`a kept connection to ${describeUrl(url)} was closed`, { cause: err }));
      else reject(new OutboundRequestError(`request to ${describeUrl(url)} failed: ${err.message}`, { cause: err }));
    });
    req.end(request.body);
  });
}

function readCapped(res: IncomingMessage, maxBytes: number, signal: AbortSignal): Promise<OutboundResponse> {
  const status = res.statusCode ?? 0;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(res.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return new Promise<OutboundResponse>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let kept = 0;
    let settled = false;
    const finish = (truncated: boolean) => {
      if (settled) return;
      settled = true;
      resolve({ status, headers, body: Buffer.concat(chunks, kept), truncated });
    };
    res.on('data', (chunk: Buffer) => {
      if (settled) return;
      const room = maxBytes - kept;
      if (chunk.length > room) {
        chunks.push(chunk.subarray(0, room));
        kept += room;
        finish(true);
        res.destroy();
        return;
      }
      chunks.push(chunk);
      kept += chunk.length;
    });
    res.on('end', () => finish(false));
    res.on('error', (err) => {
      if (settled) return;
      settled = true;
      reject(signal.aborted ? abortError(signal, 'reading the response') : new OutboundRequestError(`reading the response failed: ${err.message}`, { cause: err }));
    });
    res.on('close', () => {
      if (settled) return;
      settled = true;
      reject(signal.aborted ? abortError(signal, 'reading the response') : new OutboundRequestError('the connection closed before the response ended'));
    });
  });
}
