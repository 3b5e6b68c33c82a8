import type { Task } from '@mesh/core';
import { ConnectionError, MeshApiError } from './cli-errors';

export interface MeshClientOptions {
  /** The API's origin, e.g. http://127.0.0.1:8080 (the /api/mesh base path is added). */
  baseUrl: string;
  apiKey: string;
  /** For tests. */
  fetch?: typeof fetch;
}

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | boolean | undefined>;
  signal?: AbortSignal;
}

export const API_BASE_PATH = '/api/mesh';

const isAbort = (err: unknown): boolean => (err as { name?: unknown } | null)?.name === 'AbortError';

/** The REST API over fetch, with the key as a Bearer token and errors as MeshApiError. */
export class MeshClient {
  readonly baseUrl: string;
  private readonly apiKey: string;
  private readonly fetchImpl: typeof fetch;

  constructor(options: MeshClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.apiKey = options.apiKey;
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
  }

  url(path: string, query: RequestOptions['query'] = {}): string {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(name, String(value));
    const search = params.toString();
    return `${this.baseUrl}${API_BASE_PATH}${path}${search ? `?${search}` : ''}`;
  }

  /** The raw response of a GET (the event stream); non-2xx answers are returned, not thrown. */
  async open(path: string, accept: string, signal?: AbortSignal): Promise<Response> {
    return this.send('GET', this.url(path), { accept }, undefined, signal);
  }

  async request<T>(method: 'GET' | 'POST' | 'DELETE', path: string, options: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const res = await this.send(method, this.url(path, options.query), headers, options.body === undefined ? undefined : JSON.stringify(options.body), options.signal);
    if (!res.ok) throw await errorFromResponse(res);
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new MeshApiError(`The API answered with something that is not JSON: ${text.slice(0, 200)}`, res.status, 'bad_response');
    }
  }

  getTask(networkId: string, taskId: string, signal?: AbortSignal): Promise<Task> {
    return this.request<Task>('GET', `/networks/${encodeURIComponent(networkId)}/tasks/${encodeURIComponent(taskId)}`, signal ? { signal } : {});
  }

  private async send(method: string, url: string, headers: Record<string, string>, body: string | undefined, signal: AbortSignal | undefined): Promise<Response> {
    try {
      return await this.fetchImpl(url, {
        method,
        headers: { ...headers, ...(this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {}), 'user-agent': 'mesh-cli' },
        ...(body !== undefined ? { body } : {}),
        ...(signal ? { signal } : {}),
      });
    } catch (err) {
      if (isAbort(err)) throw err;
      throw new ConnectionError(this.baseUrl, err);
    }
  }
}

export async function errorFromResponse(res: Response): Promise<MeshApiError> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown; details?: unknown } };
    if (body.error && typeof body.error.message === 'string') {
      return new MeshApiError(body.error.message, res.status, String(body.error.code ?? 'error'), body.error.details);
    }
  } catch {
    // not the API's error shape (a proxy's page, say)
  }
  return new MeshApiError(`HTTP ${res.status} ${res.statusText}`.trim(), res.status, 'http_error');
}
