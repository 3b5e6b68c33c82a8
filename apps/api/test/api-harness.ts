import { nullLogger, type Logger } from '@mesh/observability';
import { createTestEnv, type TestEnv } from '@mesh/testing';
import { closeApiDeps, createApiDeps, type ApiDeps } from '../src/api-deps';
import { startApiServer, type ApiServer } from '../src/server';

export const KEY_A = 'key-tenant-a-123';
export const KEY_B = 'key-tenant-b-456';

export interface CallOptions {
  /** API key sent as `Authorization: Bearer`; null sends none. Default: tenant A's. */
  key?: string | null;
  /** Sent as JSON (with `Content-Type: application/json` unless `headers` says otherwise). */
  json?: unknown;
  /** Sent as is (for malformed, oversized or non-JSON bodies). */
  raw?: string;
  headers?: Record<string, string>;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  // Responses are checked field by field in the tests.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  text: string;
}

export type Call = (method: string, path: string, options?: CallOptions) => Promise<ApiResponse>;

/** A client for an API listening at `baseUrl`; paths are relative to /api/mesh. */
export function client(baseUrl: string): Call {
  return async (method, path, options = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    const key = options.key === undefined ? KEY_A : options.key;
    if (key !== null) headers.authorization = `Bearer ${key}`;
    let body: string | undefined = options.raw;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(`${baseUrl}/api/mesh${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, headers: res.headers, body: parsed, text };
  };
}

export interface ApiHarness {
  t: TestEnv;
  deps: ApiDeps;
  url: string;
  call: Call;
  /** Another server over the same environment with some dependencies replaced (limits, a failing store…). */
  startVariant(overrides: Partial<ApiDeps>): Promise<{ call: Call; url: string; close(): Promise<void> }>;
  /** Rows in a table of this test's schema, optionally filtered by network. */
  count(table: 'networks' | 'agents' | 'tasks' | 'subtasks' | 'memory_items' | 'tools', networkId?: string): Promise<number>;
  close(): Promise<void>;
}

/** A test environment (own schema and queue prefix) with the API listening on a free port (logging to `options.logger`, default nowhere). */
export async function startApiHarness(name: string, envOverrides: Record<string, string> = {}, options: { logger?: Logger } = {}): Promise<ApiHarness> {
  const t = await createTestEnv(name, envOverrides);
  const deps = await createApiDeps(t.config, options.logger ?? nullLogger);
  const servers: ApiServer[] = [];
  const listen = async (d: ApiDeps) => {
    const server = await startApiServer(d, { port: 0, host: '127.0.0.1', drainTimeoutMs: 0 });
    servers.push(server);
    return server;
  };
  const main = await listen(deps);
  return {
    t,
    deps,
    url: main.url,
    call: client(main.url),
    async startVariant(overrides) {
      const server = await listen({ ...deps, ...overrides });
      return { call: client(server.url), url: server.url, close: () => server.close() };
    },
    async count(table, networkId) {
      const where = networkId ? (table === 'networks' ? ' WHERE id = $1' : ' WHERE network_id = $1') : '';
      const { rows } = await t.db.query<{ count: string }>(`SELECT count(*) FROM ${table}${where}`, networkId ? [networkId] : []);
      return Number(rows[0]?.count ?? 0);
    },
    async close() {
      await Promise.all(servers.map((s) => s.close()));
      await closeApiDeps(deps);
      await t.cleanup();
    },
  };
}

/** The SEED.md example bodies, verbatim. */
export const SEED = {
  network: {
    name: 'Email Campaign Assistant',
    description: 'AI network for creating and optimizing email campaigns',
    max_iterations: 10,
    timeout_seconds: 300,
  },
  task: {
    task: 'Create an email campaign for a new product launch targeting tech professionals',
    context: {
      product_name: 'TechPro X1',
      product_description: 'Advanced AI-powered development tool',
      target_audience: 'Software developers and IT professionals',
      key_features: ['AI code completion', 'Automated testing', 'Performance optimization'],
    },
    priority: 1,
  },
  seoAgent: {
    agent_config: {
      name: 'SEO Specialist',
      type: 'seo',
      model: 'claude-3-7-sonnet',
      description: 'Specializes in search engine optimization',
      parameters: { temperature: 0.4, max_tokens: 4000 },
      capabilities: ['keyword_analysis', 'seo_optimization', 'content_recommendations'],
    },
  },
} as const;
