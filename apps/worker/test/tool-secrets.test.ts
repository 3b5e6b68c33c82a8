/**
 * A tool's secret header never leaks: a real run across the API, coordinator and worker processes
 * (logging at debug) with tools whose header is `{"secret": "ANALYTICS_TOKEN"}`, against a
 * service that checks the header and echoes it back, in a result and in an error. Afterwards
 * every process line, every API answer, every row of every table of the test schema, every
 * request the model provider received and every Redis value is searched for the secret and for
 * a fragment of it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createTestEnv,
  dumpRedis,
  fakeToolCalls,
  freePort,
  launchApp,
  meshFakeResponder,
  startFakeProviderServer,
  type FakeProviderServer,
  type LaunchedProcess,
  type TestEnv,
} from '@mesh/testing';

const SECRET = 'anlt_Zq7TOOLsecretK3y4c6e8a0b2d4f6a8c0e2b4d6';
const NEEDLES = [
  { name: 'the secret', needle: SECRET },
  { name: 'a fragment of the secret', needle: SECRET.slice(Math.floor(SECRET.length / 2) - 6, Math.floor(SECRET.length / 2) + 6) },
];

function leaksIn(where: string, text: string): string[] {
  return NEEDLES.filter(({ needle }) => text.includes(needle)).map(({ name }) => `${name} in ${where}`);
}

let env: TestEnv;
let fake: FakeProviderServer;
let service: Server;
let serviceUrl: string;
/** The token each request to the service carried. */
const received: { path: string; token: string | undefined }[] = [];
const processes: LaunchedProcess[] = [];
let baseUrl: string;
const answers: string[] = [];

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${baseUrl}/api/mesh${path}`, {
    method,
    headers: { authorization: 'Bearer key-tenant-a-123', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  answers.push(`${method} ${path} → ${res.status} ${text}`);
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

beforeAll(async () => {
  fake = await startFakeProviderServer();
  fake.respondWith(
    'anthropic',
    meshFakeResponder((req) => {
      if (req.kind !== 'agent_output') return undefined;
      const results = req.request.toolResults;
      if (results.length === 0) return fakeToolCalls({ name: 'stats', arguments: { campaign: 'spring' } }, { name: 'audit', arguments: { note: 'stats read' } });
      // The agent repeats what the tools said everywhere it can: its result and a memory.
      const said = results.map((r) => r.content).join('\n');
      return { reasoning: said, result: `The tools said: ${said}`, confidence: 0.8, suggested_memories: [{ type: 'fact', content: `Analytics said ${said.slice(0, 400)}`, confidence: 0.9 }] };
    }),
  );
  service = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const token = req.headers['x-analytics-token'] as string | undefined;
      received.push({ path: req.url ?? '', token });
      if (token !== SECRET) {
        res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'bad token' }));
      } else if (req.url?.startsWith('/stats/')) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ campaign: 'spring', open_rate: 0.42, authenticated_with: token }));
      } else {
        res.writeHead(403, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `token ${token} may not write the audit log` }));
      }
    });
  });
  await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve));
  serviceUrl = `http://127.0.0.1:${(service.address() as AddressInfo).port}`;
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  env = await createTestEnv('tool-secrets', {
    PORT: String(port),
    HOST: '127.0.0.1',
    MESH_LLM_PROVIDER: 'live',
    ANTHROPIC_API_KEY: 'sk-ant-tool-secrets-test-0001',
    ANTHROPIC_BASE_URL: fake.baseUrls.anthropic,
    MESH_MODEL_CHAIN: 'anthropic:claude-sonnet-4-5',
    MESH_LLM_RETRIES: '0',
    MESH_TOOL_ALLOWED_HOSTS: '127.0.0.1',
    MESH_SECRET_ANALYTICS_TOKEN: SECRET,
    MESH_AGENT_DISCOVERY_MS: '300',
  });
  const started = await Promise.all([
    launchApp('api', env.env, { logLevel: 'debug' }),
    launchApp('coordinator', env.env, { logLevel: 'debug' }),
    launchApp('worker', env.env, { args: ['--agents', 'all'], logLevel: 'debug' }),
  ]);
  processes.push(...started);
}, 60_000);

afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop(5_000)));
  await fake?.close();
  await new Promise<void>((resolve) => (service ? service.close(() => resolve()) : resolve()));
  await env?.cleanup();
});

describe('tool secrets', () => {
  it('reach the service only: never the logs, the rows, the task, the prompts or Redis', async () => {
    const header = { 'x-analytics-token': { secret: 'ANALYTICS_TOKEN' } };
    const network = await api('POST', '/networks', { name: 'Secret tools', agents: [{ name: 'Coordinator', type: 'coordinator' }] });
    expect(network.status).toBe(201);
    const networkId = network.body.network_id as string;
    const stats = await api('POST', `/networks/${networkId}/tools`, {
      tool: { kind: 'http', name: 'stats', description: 'Campaign statistics', input_schema: { type: 'object', properties: { campaign: { type: 'string' } }, required: ['campaign'] }, request: { method: 'GET', url: `${serviceUrl}/stats/{campaign}`, headers: header } },
    });
    expect(stats.status).toBe(201);
    const audit = await api('POST', `/networks/${networkId}/tools`, {
      tool: { kind: 'http', name: 'audit', description: 'Writes the audit log', input_schema: { type: 'object', properties: { note: { type: 'string' } } }, request: { method: 'POST', url: `${serviceUrl}/audit`, headers: header } },
    });
    expect(audit.status).toBe(201);
    expect((await api('GET', `/networks/${networkId}/tools`)).status).toBe(200);
    const agent = await api('POST', `/networks/${networkId}/agents`, { agent_config: { name: 'Analytics Specialist', type: 'analytics', tools: ['stats', 'audit'] } });
    expect(agent.status).toBe(201);

    const task = await api('POST', `/networks/${networkId}/tasks?wait=60`, { task: 'How did the spring campaign do?', process: true });
    expect(task.body.status).toBe('completed');
    const subtask = task.body.subtasks.find((s: any) => s.agent_type === 'analytics');
    expect(subtask.tool_calls.map((c: any) => [c.tool, c.status])).toEqual([
      ['stats', 'completed'],
      ['audit', 'failed'],
    ]);
    await api('GET', `/networks/${networkId}/tasks/${task.body.task_id}`);
    await api('GET', `/networks/${networkId}/memory`);

    // Stop the processes so their last lines are written too.
    await Promise.all(processes.map((p) => p.stop(10_000)));

    const leaks: string[] = [];
    for (const proc of processes) leaks.push(...leaksIn(`${proc.name} output`, proc.lines.join('\n')));
    leaks.push(...leaksIn('API answers', answers.join('\n')));
    const { rows: tables } = await env.db.query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE'`, [env.schema]);
    expect(tables.map((t) => t.table_name)).toEqual(expect.arrayContaining(['tools', 'tool_calls', 'subtasks', 'tasks', 'llm_calls', 'memory_items']));
    for (const { table_name } of tables) {
      const { rows } = await env.db.query<{ dump: string | null }>(`SELECT json_agg(x)::text AS dump FROM "${table_name}" x`);
      leaks.push(...leaksIn(`table ${table_name}`, rows[0]?.dump ?? ''));
    }
    leaks.push(...leaksIn('model provider requests', JSON.stringify(fake.requests)));
    const values = await dumpRedis(env.redis, `*${env.queuePrefix}*`);
    expect(values.length).toBeGreaterThan(0);
    leaks.push(...leaksIn('Redis', values.map((e) => `${e.key} ${e.text}`).join('\n')));
    expect(leaks).toEqual([]);

    // The search would have found it: the service got the secret on both calls and sent it back,
    // the echoes reached the model (scrubbed), the worker logged the calls.
    expect([...received].sort((a, b) => a.path.localeCompare(b.path))).toEqual([
      { path: '/audit', token: SECRET },
      { path: '/stats/spring', token: SECRET },
    ]);
    const toolResults = fake.requests.flatMap((r) => r.toolResults.map((t) => t.content));
    expect(toolResults.some((c) => c.includes('authenticated_with') && c.includes('[redacted secret]'))).toBe(true);
    expect(toolResults.some((c) => c.includes('may not write the audit log') && c.includes('[redacted secret]'))).toBe(true);
    expect(processes.find((p) => p.name === 'worker')!.lines.filter((l) => l.includes('"message":"tool call finished"'))).toHaveLength(2);
  }, 90_000);
});
