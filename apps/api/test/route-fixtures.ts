import { connect } from 'node:net';
import type { RouteDefinition } from '../src/routes/route-definition';

/**
 * What the table-driven suites (bad-input-battery, isolation) need to know about routes beyond
 * the route table itself. A route added to the table without an entry here makes those suites
 * fail with a message saying what to add, so no route goes untested.
 */

export const routeKey = (route: Pick<RouteDefinition, 'method' | 'path'>) => `${route.method.toUpperCase()} ${route.path}`;

export const hasBody = (route: RouteDefinition) => (route.method === 'post' || route.method === 'put' || route.method === 'patch') && route.body !== undefined;

let sequence = 0;
/** Unique per call (agent types must be unique within a network). */
export const uniqueSuffix = () => `${process.pid}-${++sequence}`;

/**
 * A valid body per POST route, as a client would send it; every free-text field is present so
 * that per-field cases cover them all. Bodies never start a task (`process` stays false).
 */
const VALID_BODIES: Record<string, () => Record<string, unknown>> = {
  'POST /networks': () => ({
    name: 'Battery network',
    description: 'A network made by the bad-input battery',
    agents: [
      { name: 'Coordinator', type: 'coordinator' },
      { name: 'Writer', type: 'content', model: 'claude-3-7-sonnet', description: 'Writes', parameters: { temperature: 0.5, max_tokens: 1000 }, capabilities: ['copy'], tools: ['search_memory'] },
    ],
    shared_context: { brand: 'Acme' },
    max_iterations: 3,
    timeout_seconds: 60,
  }),
  'POST /networks/:network_id/tasks': () => ({
    task: 'Write a subject line',
    context: { product: 'TechPro X1' },
    priority: 3,
    deadline: new Date(Date.now() + 3_600_000).toISOString(),
    process: false,
    callback_url: 'https://hooks.example.com/mesh',
  }),
  'PUT /admin/weights': () => ({ tenant_id: 'tenant-a', weight: 2 }),
  'PUT /admin/budgets': () => ({ tenant_id: 'tenant-a', period: 'day', max_tokens: 100_000, max_cost_usd: 5 }),
  'PATCH /networks/:network_id': () => ({ description: 'Changed by the battery', approvals: { plan: true }, approval_timeout_seconds: 3600 }),
  'POST /networks/:network_id/approvals/:approval_id': () => ({ decision: 'approve', comment: 'Looks right' }),
  'POST /networks/:network_id/agents': () => ({
    agent_config: {
      name: 'SEO Specialist',
      type: `seo-${uniqueSuffix()}`,
      model: 'claude-3-7-sonnet',
      description: 'Search engine optimisation',
      parameters: { temperature: 0.4, max_tokens: 4000 },
      capabilities: ['keyword_analysis'],
      tools: ['search_memory'],
    },
  }),
  'POST /networks/:network_id/tools': () => ({
    tool: {
      kind: 'http',
      name: `weather-${uniqueSuffix()}`,
      description: 'Current weather for a city',
      input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      // The suites that send it configure MESH_SECRET_BATTERY_TOKEN (or stop at a 404 first).
      request: { method: 'GET', url: 'https://weather.example.com/v1/{city}', headers: { 'x-api-key': { secret: 'BATTERY_TOKEN' }, 'x-client': 'agent-mesh' } },
      side_effects: false,
      requires_approval: false,
      timeout_ms: 5000,
    },
  }),
  'POST /networks/:network_id/memory': () => ({
    content: `A fact worth remembering ${uniqueSuffix()}`,
    memory_type: 'fact',
    confidence: 0.9,
    metadata: { source: 'battery' },
  }),
  'PUT /networks/:network_id/memory/space': () => ({ model: 'local:use-lite' }),
  'POST /networks/:network_id/tasks/:task_id/process': () => ({}),
  'POST /networks/:network_id/tasks/:task_id/cancel': () => ({}),
  'POST /networks/:network_id/tasks/:task_id/rerun': () => ({}),
  'POST /networks/:network_id/agents/:agent_id/playground': () => ({ input: 'Write three subject lines', context: { product: 'TechPro X1' }, priority: 4 }),
  'POST /networks/:network_id/tasks/:task_id/subtasks/:subtask_id/retry': () => ({}),
  'POST /networks/:network_id/tasks/:task_id/feedback': () => ({ rating: 4, comment: 'Clear and on brief', correction: 'Subject: TechPro X1 is here' }),
  // Its network is no network of the tenant's: every case stops at a 400 or that 404, and no run starts (see evals.test.ts).
  'POST /evals': () => ({
    label: 'Battery run',
    network_id: '0b6c7d8e-9f01-4a2b-8c3d-4e5f60718293',
    cases: [
      {
        id: 'subject-line',
        task: 'Write a subject line',
        context: { product: 'TechPro X1' },
        assertions: [
          { type: 'contains', value: 'TechPro', case_sensitive: false },
          { type: 'regex', pattern: 'X1', flags: 'i' },
        ],
        rubric: 'Short and specific',
      },
    ],
  }),
  'PUT /networks/:network_id/agents/:agent_id/lessons': () => ({ lessons: [{ text: 'Keep subject lines under 40 characters', sources: [] }] }),
};

export function validBody(route: RouteDefinition): Record<string, unknown> {
  const make = VALID_BODIES[routeKey(route)];
  if (!make) throw new Error(`No valid body for ${routeKey(route)}: add one to VALID_BODIES in apps/api/test/route-fixtures.ts`);
  return make();
}

/** Path parameters of a route, in order. */
export const pathParams = (route: Pick<RouteDefinition, 'path'>) => [...route.path.matchAll(/:([a-z_]+)/g)].map((m) => m[1] as string);

/** The route's path with every `:param` from `ids` (URL-encoded unless raw). */
export function fillPath(route: Pick<RouteDefinition, 'path' | 'method'>, ids: Record<string, string>, options: { raw?: boolean } = {}): string {
  return route.path.replace(/:([a-z_]+)/g, (_m, name: string) => {
    const id = ids[name];
    if (id === undefined) throw new Error(`No id for :${name} of ${routeKey(route)}: add it to the suite's fixtures`);
    return options.raw ? id : encodeURIComponent(id);
  });
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
  // Checked field by field.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export interface RawRequest {
  method: string;
  /** Sent exactly as given: no normalisation of `..` or encoding. */
  path: string;
  /** In order; a name may repeat. */
  headers?: [string, string][];
  body?: Buffer | string;
  /** Leave out the Host header (HTTP/1.1 requires one). */
  omitHost?: boolean;
  /** Leave out the Content-Length header the body would otherwise get. */
  omitContentLength?: boolean;
}

function decodeChunked(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', at);
    if (lineEnd < 0) break;
    const size = parseInt(body.subarray(at, lineEnd).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

/**
 * One HTTP/1.1 request over a fresh socket, written byte for byte (duplicate headers, odd
 * transfer encodings, raw `..` paths, oversized headers: what fetch would refuse or tidy up).
 */
export function rawHttp(baseUrl: string, request: RawRequest): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  const body = request.body === undefined ? undefined : Buffer.isBuffer(request.body) ? request.body : Buffer.from(request.body, 'utf8');
  const headers: [string, string][] = [
    ...(request.omitHost ? [] : ([['Host', `${hostname}:${port}`]] as [string, string][])),
    ['Connection', 'close'],
    ...(request.headers ?? []),
  ];
  const hasTransferEncoding = headers.some(([name]) => name.toLowerCase() === 'transfer-encoding');
  if (body !== undefined && !request.omitContentLength && !hasTransferEncoding) headers.push(['Content-Length', String(body.length)]);
  const head = `${request.method} ${request.path} HTTP/1.1\r\n${headers.map(([n, v]) => `${n}: ${v}`).join('\r\n')}\r\n\r\n`;
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    // The server may answer (413, 431) and close before reading the whole request: a write error is expected then.
    socket.on('error', () => {});
    socket.on('close', () => {
      const response = Buffer.concat(chunks);
      const split = response.indexOf('\r\n\r\n');
      if (split < 0) return reject(new Error(`no HTTP response to ${request.method} ${request.path.slice(0, 200)} (${response.length} bytes)`));
      const [statusLine = '', ...lines] = response.subarray(0, split).toString('latin1').split('\r\n');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]);
      const responseHeaders: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        if (colon > 0) responseHeaders[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      let payload: Buffer = response.subarray(split + 4);
      if (responseHeaders['transfer-encoding']?.includes('chunked')) payload = decodeChunked(payload);
      const text = payload.toString('utf8');
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      resolve({ status, headers: responseHeaders, text, body: parsed });
    });
    socket.write(head);
    if (body !== undefined) socket.write(body);
  });
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/** Every UUID anywhere in a JSON value (keys and strings). */
export function uuidsIn(value: unknown, found: Set<string> = new Set()): Set<string> {
  if (typeof value === 'string') for (const m of value.match(UUID) ?? []) found.add(m.toLowerCase());
  else if (Array.isArray(value)) value.forEach((v) => uuidsIn(v, found));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      uuidsIn(k, found);
      uuidsIn(v, found);
    }
  }
  return found;
}

/** True when `needle` is a string value somewhere in `value`. */
export function containsString(value: unknown, needle: string): boolean {
  if (typeof value === 'string') return value === needle;
  if (Array.isArray(value)) return value.some((v) => containsString(v, needle));
  if (value && typeof value === 'object') return Object.values(value).some((v) => containsString(v, needle));
  return false;
}
