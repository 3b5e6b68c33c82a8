import type { Agent, AgentConfigInput, MemoryItem, MemoryList, Network, NetworkList, Task, TaskList } from '@mesh/core';

/**
 * The console's client for the REST API. Same origin: the browser sends the credentials it was
 * given at the Basic-auth prompt (the API answers 401 with the same realm, so it resends them).
 */

export const API_BASE = '/api/mesh';

/** An answer in the API's error shape `{"error": {"code", "message", "details"?}}`, or a transport failure. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** Message plus validation details, one per line. */
  describe(): string {
    if (!Array.isArray(this.details)) return this.message;
    const lines = (this.details as { path?: unknown; message?: unknown }[]).map((d) => `${String(d.path ?? '')}: ${String(d.message ?? '')}`);
    return [this.message, ...lines].join('\n');
  }
}

export type Fetch = typeof fetch;

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | undefined>;
  signal?: AbortSignal;
}

export function apiUrl(path: string, query: RequestOptions['query'] = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(name, String(value));
  const search = params.toString();
  return `${API_BASE}${path}${search ? `?${search}` : ''}`;
}

export async function errorFromResponse(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown; details?: unknown } };
    if (body.error && typeof body.error.message === 'string') {
      return new ApiError(body.error.message, res.status, String(body.error.code ?? 'error'), body.error.details);
    }
  } catch {
    // not the API's error shape (a proxy's page, say)
  }
  return new ApiError(`HTTP ${res.status} ${res.statusText}`.trim(), res.status, 'http_error');
}

export async function request<T>(method: string, path: string, options: RequestOptions = {}, fetchImpl: Fetch = fetch): Promise<T> {
  let res: Response;
  try {
    res = await fetchImpl(apiUrl(path, options.query), {
      method,
      credentials: 'same-origin',
      headers: { accept: 'application/json', ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (err) {
    if ((err as { name?: unknown }).name === 'AbortError') throw err;
    throw new ApiError(`The API is not reachable: ${err instanceof Error ? err.message : String(err)}`, 0, 'network_error');
  }
  if (!res.ok) throw await errorFromResponse(res);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

const seg = encodeURIComponent;

export interface CreateNetworkInput {
  name: string;
  description?: string;
  max_iterations?: number;
  timeout_seconds?: number;
  agents?: AgentConfigInput[];
}

export interface MemorySearch {
  query?: string;
  memory_type?: string;
  limit?: number;
}

/** One function per route the console uses. */
export const meshApi = {
  listNetworks: (signal?: AbortSignal) => request<NetworkList>('GET', '/networks', { query: { limit: 200 }, ...(signal ? { signal } : {}) }),
  getNetwork: (id: string, signal?: AbortSignal) => request<Network>('GET', `/networks/${seg(id)}`, signal ? { signal } : {}),
  createNetwork: (input: CreateNetworkInput) => request<Network>('POST', '/networks', { body: input }),
  deleteNetwork: (id: string) => request<void>('DELETE', `/networks/${seg(id)}`),
  listAgents: (networkId: string) => request<{ agents: Agent[] }>('GET', `/networks/${seg(networkId)}/agents`),
  addAgent: (networkId: string, config: AgentConfigInput) => request<Agent>('POST', `/networks/${seg(networkId)}/agents`, { body: { agent_config: config } }),
  removeAgent: (networkId: string, agentId: string) => request<void>('DELETE', `/networks/${seg(networkId)}/agents/${seg(agentId)}`),
  listTasks: (networkId: string, query: { status?: string; limit?: number; offset?: number } = {}) =>
    request<TaskList>('GET', `/networks/${seg(networkId)}/tasks`, { query }),
  getTask: (networkId: string, taskId: string, signal?: AbortSignal) =>
    request<Task>('GET', `/networks/${seg(networkId)}/tasks/${seg(taskId)}`, signal ? { signal } : {}),
  submitTask: (networkId: string, input: { task: string; context: Record<string, unknown>; priority: number }) =>
    request<Task>('POST', `/networks/${seg(networkId)}/tasks`, { body: { ...input, process: true } }),
  cancelTask: (networkId: string, taskId: string) => request<Task>('POST', `/networks/${seg(networkId)}/tasks/${seg(taskId)}/cancel`),
  searchMemory: (networkId: string, search: MemorySearch) => request<MemoryList>('GET', `/networks/${seg(networkId)}/memory`, { query: { ...search } }),
  addMemory: (networkId: string, input: { content: string; memory_type: string; confidence?: number }) =>
    request<MemoryItem & { deduplicated: boolean }>('POST', `/networks/${seg(networkId)}/memory`, { body: input }),
};
