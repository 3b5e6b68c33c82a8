import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhookSignature } from '@mesh/webhooks';
import { createTestEnv, dumpRedis, freePort, launchApp, meshFakeResponder, startFakeProviderServer, TEST_DATABASE_URL, waitFor, type FakeProviderServer, type LaunchedProcess, type TestEnv } from '@mesh/testing';

/**
 * Secrets never in logs, errors, task records or queues: a real run across the API, coordinator
 * and worker processes with distinctive fake secrets everywhere (provider keys, the API key, the
 * webhook secret, the database password), including a provider that echoes its key in its error
 * messages the way OpenAI's 401 does. Every process line, every API answer, every row of the
 * database, every Redis value and every webhook delivery is searched for each secret and for a
 * fragment of it (a key shown truncated is still a leak).
 */

const SECRETS = {
  anthropic: 'sk-ant-api03-Zq7SECRETanthropicK3y9d1e4b8a6f0c3d5e7a9b1c',
  // An OpenAI-compatible server's key: no well-known shape a pattern could catch.
  openai: 'local-Zq7SECRETopenaiK3y5a7c9e1f3b5d7f9a1c3e5b7d9f',
  google: 'AIzaSyZq7SECRETgoogleK3y4b6d8f0a2c4e6b8d0f2',
  apiKey: 'mesh_Zq7SECRETapiK3y9c1e3a5b7d9f1c3e5a7b9d1f3c5',
  webhook: 'whsec_Zq7SECRETwebhookK3y2d4f6a8c0e2b4d6f8a0c2e',
  databasePassword: 'Zq7SECRETdbPassw0rd8e0c2a4f6b8d0e2c4a6f8b0',
} as const;

/** The whole value and a middle fragment of each secret: a truncated or masked key still leaks. */
const NEEDLES = Object.entries(SECRETS).flatMap(([name, value]) => [
  { name, needle: value },
  { name: `${name} (fragment)`, needle: value.slice(Math.floor(value.length / 2) - 6, Math.floor(value.length / 2) + 6) },
]);

function leaksIn(where: string, text: string): string[] {
  return NEEDLES.filter(({ needle }) => text.includes(needle)).map(({ name }) => `${name} in ${where}`);
}

let env: TestEnv;
let fake: FakeProviderServer;
let receiver: Server;
const webhooks: { headers: IncomingHttpHeaders; body: string }[] = [];
const processes: LaunchedProcess[] = [];
let baseUrl: string;
/** Every answer the API gave in this test, for the leak search. */
const answers: string[] = [];

async function api(method: string, path: string, body?: unknown, key: string = SECRETS.apiKey): Promise<{ status: number; body: any }> {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  answers.push(`${method} ${path} → ${res.status} ${JSON.stringify(Object.fromEntries(res.headers))} ${text}`);
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON (metrics, HTML)
  }
  return { status: res.status, body: parsed };
}


beforeAll(async () => {
  // The fake providers check the keys, so the real SDKs must send them, and only to them.
  fake = await startFakeProviderServer({ apiKeys: { anthropic: SECRETS.anthropic, openai: SECRETS.openai, google: SECRETS.google } });
  for (const provider of ['anthropic', 'openai', 'google'] as const) fake.respondWith(provider, meshFakeResponder());
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      webhooks.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  env = await createTestEnv('secrets', {
    DATABASE_URL: TEST_DATABASE_URL.replace('postgres@', `postgres:${SECRETS.databasePassword}@`),
    PORT: String(port),
    HOST: '127.0.0.1',
    MESH_API_KEYS: `tenant-s:${SECRETS.apiKey}`,
    MESH_LLM_PROVIDER: 'live',
    ANTHROPIC_API_KEY: SECRETS.anthropic,
    OPENAI_API_KEY: SECRETS.openai,
    GEMINI_API_KEY: SECRETS.google,
    ANTHROPIC_BASE_URL: fake.baseUrls.anthropic,
    OPENAI_BASE_URL: fake.baseUrls.openai,
    GEMINI_BASE_URL: fake.baseUrls.google,
    MESH_WEBHOOK_SECRET: SECRETS.webhook,
    MESH_WEBHOOK_ALLOW_PRIVATE: 'true',
    MESH_WEBHOOK_BACKOFF_MS: '100',
    MESH_LLM_RETRIES: '0',
    MESH_AGENT_DISCOVERY_MS: '300',
  });
  // Debug logging: the most a process ever writes.
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
  await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
  await env?.cleanup();
});

describe('secrets', () => {
  it('never appear in process output, API answers, task records, queues or webhooks', async () => {
    const network = await api('POST', '/api/mesh/networks', { name: 'Secrets', description: 'Two specialists', agents: [
      { name: 'Coordinator', type: 'coordinator' },
      { name: 'Writer', type: 'content' },
      { name: 'Designer', type: 'design' },
    ] });
    expect(network.status).toBe(201);
    const networkId = network.body.id as string;
    const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

    // 1. A task that succeeds through the real SDKs, with a webhook.
    const ok = await api('POST', `/api/mesh/networks/${networkId}/tasks?wait=60`, { task: 'Write a launch email', context: { product: 'X1' }, process: true, callback_url: hook });
    expect(ok.body.status).toBe('completed');
    await waitFor('the webhook', async () => (webhooks.length > 0 ? true : undefined));

    // 2. A task whose every provider refuses with its key in the message (OpenAI's 401 does this).
    fake.inject('anthropic', { kind: 'status', status: 401, message: `invalid x-api-key: ${SECRETS.anthropic}` });
    fake.inject('openai', { kind: 'status', status: 401, message: `Incorrect API key provided: ${SECRETS.openai}. You can find your API key at https://platform.openai.com/account/api-keys.` });
    fake.inject('google', { kind: 'status', status: 400, message: `API key not valid: ${SECRETS.google}. Please pass a valid API key.` });
    const failed = await api('POST', `/api/mesh/networks/${networkId}/tasks?wait=60`, { task: 'Write another email', process: true, callback_url: hook });
    expect(failed.body.status).toBe('failed');
    expect(typeof failed.body.error).toBe('string');
    fake.clearFaults();
    await waitFor('the second webhook', async () => (webhooks.length > 1 ? true : undefined));

    // 3. Error answers and operations surfaces.
    const wrongKey = `${SECRETS.apiKey.slice(0, -1)}x`;
    expect((await api('GET', '/api/mesh/networks', undefined, wrongKey)).status).toBe(401);
    expect((await api('POST', '/api/mesh/networks', { name: 7, description: SECRETS.apiKey })).status).toBe(400);
    expect((await api('GET', `/api/mesh/networks/${networkId}/tasks/not-a-uuid`)).status).toBe(400);
    for (const path of ['/api/mesh/health', '/metrics', '/readyz', '/api/mesh/openapi.json', `/api/mesh/networks/${networkId}/tasks?limit=200`, `/api/mesh/networks/${networkId}/memory`, '/admin/queues/api/queues?activeQueue=coordinator&status=completed']) {
      expect({ path, status: (await api('GET', path)).status < 500 }).toEqual({ path, status: true });
    }

    // Stop the processes so their last lines are written too.
    await Promise.all(processes.map((p) => p.stop(10_000)));

    const leaks: string[] = [];
    for (const proc of processes) leaks.push(...leaksIn(`${proc.name} output`, proc.lines.join('\n')));
    leaks.push(...leaksIn('API answers', answers.join('\n')));
    for (const table of ['tasks', 'subtasks', 'llm_calls', 'memory_items', 'networks', 'agents', 'api_keys']) {
      const { rows } = await env.db.query<{ dump: string | null }>(`SELECT json_agg(x)::text AS dump FROM "${table}" x`);
      leaks.push(...leaksIn(`table ${table}`, rows[0]?.dump ?? ''));
    }
    // Job data in Redis is clear text: ids only.
    const values = (await dumpRedis(env.redis, `*${env.queuePrefix}*`)).map((e) => e.text);
    expect(values.length).toBeGreaterThan(0);
    leaks.push(...leaksIn('Redis', values.join('\n')));
    leaks.push(...leaksIn('webhook deliveries', JSON.stringify(webhooks)));
    expect(leaks).toEqual([]);

    // The search would have found them: the providers did receive their keys, the failure was logged.
    expect(fake.requests.some((r) => r.status === 200)).toBe(true);
    expect(processes.some((p) => p.lines.some((l) => /"level":"(warn|error)"/.test(l)))).toBe(true);
    // Webhooks carry a signature made with the secret, never the secret.
    expect(webhooks.length).toBeGreaterThanOrEqual(2);
    for (const w of webhooks) expect(verifyWebhookSignature(SECRETS.webhook, w.body, w.headers['x-mesh-signature'] as string | undefined)).toBe(true);
  }, 120_000);
});
