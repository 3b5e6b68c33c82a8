import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorBody } from '@mesh/core';
import { createLogger } from '@mesh/observability';
import { toolEnvironment } from '@mesh/tools';
import { z } from 'zod';
import { startMcpTestServer, type McpTestServer } from '@mesh/testing';
import { KEY_B, startApiHarness, type ApiHarness, type ApiResponse, type CallOptions } from './api-harness';

/**
 * The tool registry through the API: http tools, OpenAPI services and a real MCP server (the
 * SDK's own server side on 127.0.0.1, allowed by MESH_TOOL_ALLOWED_HOSTS) registered, listed with
 * the tools derived from them and deleted; agents' `tools` checked against the catalog; every bad
 * registration a clear 4xx that stores nothing; secrets nowhere but in the requests to the tools.
 */

const SECRETS = {
  WEATHER_TOKEN: 'wx-Zq7SECRETweather-4f1c9a2e7b3d5a',
  CRM_TOKEN: 'crm-Zq7SECRETmcp-8d7c6b5a4f3e2d1c',
} as const;

/** The whole value and a middle fragment of each secret: a truncated value still leaks. */
const NEEDLES = Object.values(SECRETS).flatMap((value) => [value, value.slice(8, 24)]);
const leaksIn = (text: string) => NEEDLES.filter((needle) => text.includes(needle));

/** The SDK's McpServer over its Streamable HTTP transport (stateless), on 127.0.0.1. `rejectWith` answers every request with that status and the Authorization header echoed back. */
async function startMcpServer(options: { rejectWith?: number } = {}): Promise<McpTestServer> {
  const build = () => {
    const mcp = new McpServer({ name: 'crm', version: '1.0.0' });
    mcp.registerTool('lookup_contact', { description: 'Finds a contact by email', inputSchema: { email: z.string() }, annotations: { readOnlyHint: true } }, async ({ email }) => ({
      content: [{ type: 'text', text: `contact ${email}: Ada Lovelace` }],
    }));
    mcp.registerTool('tag_contact', { description: 'Adds a tag to a contact', inputSchema: { email: z.string(), tag: z.string() } }, async ({ email, tag }) => ({
      content: [{ type: 'text', text: `tagged ${email} with ${tag}` }],
    }));
    return mcp;
  };
  return startMcpTestServer(build, options);
}

/** A plain HTTP server on 127.0.0.1 answering every request with `handler`. */
async function startHttpServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const WEATHER = {
  kind: 'http',
  name: 'weather',
  description: 'Current weather for a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' }, units: { enum: ['metric', 'imperial'] } }, required: ['city'], additionalProperties: false },
  request: { method: 'GET', url: 'https://weather.example.com/v1/current/{city}', headers: { 'x-api-key': { secret: 'WEATHER_TOKEN' }, accept: 'application/json' } },
};

/** SEED.md's Analytics service, inline: a read, a write, and an operation the registry must leave out (a recursive body). */
const ANALYTICS_DOCUMENT = {
  openapi: '3.1.0',
  info: { title: 'Analytics', version: '1.0.0' },
  servers: [{ url: 'https://analytics.example.com/v1' }],
  paths: {
    '/reports/{report_id}': {
      get: {
        operationId: 'getReport',
        summary: 'A campaign report',
        parameters: [{ name: 'report_id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { '200': { description: 'The report' } },
      },
    },
    '/segments': {
      post: {
        operationId: 'createSegment',
        summary: 'Creates an audience segment',
        requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } } } },
        responses: { '201': { description: 'Created' } },
      },
    },
    '/trees': {
      post: {
        operationId: 'plantTree',
        requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Node' } } } },
        responses: { '201': { description: 'Planted' } },
      },
    },
  },
  components: { schemas: { Node: { type: 'object', properties: { child: { $ref: '#/components/schemas/Node' } } } } },
};

const logLines: string[] = [];
let h: ApiHarness;
let mcp: McpTestServer;
/** Every answer the API gave in this file, for the leak search. */
const answers: string[] = [];

async function call(method: string, path: string, options?: CallOptions): Promise<ApiResponse> {
  const res = await h.call(method, path, options);
  answers.push(`${method} ${path} → ${res.status} ${res.text}`);
  return res;
}

async function createNetwork(agents?: unknown[]): Promise<string> {
  const res = await call('POST', '/networks', { json: { name: 'Tool network', ...(agents ? { agents } : {}) } });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

/** Row counts of every table that a refused request must leave alone. */
async function rowCounts(): Promise<Record<string, number>> {
  const { rows } = await h.t.db.query<Record<string, string>>(
    `SELECT (SELECT count(*) FROM networks) networks, (SELECT count(*) FROM agents) agents, (SELECT count(*) FROM tools) tools, (SELECT count(*) FROM tasks) tasks`,
  );
  return Object.fromEntries(Object.entries(rows[0] ?? {}).map(([k, v]) => [k, Number(v)]));
}

beforeAll(async () => {
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(chunk.toString('utf8'));
      done();
    },
  });
  // The API's own logger at its most talkative, without the process's secret scrubbing: a value must never reach it at all.
  const logger = createLogger({ service: 'api', level: 'debug', stream });
  h = await startApiHarness(
    'tools',
    { MESH_RATE_LIMIT_PER_MINUTE: '0', MESH_TOOL_ALLOWED_HOSTS: '127.0.0.1', MESH_TOOL_TIMEOUT_MS: '3000', MESH_SECRET_WEATHER_TOKEN: SECRETS.WEATHER_TOKEN, MESH_SECRET_CRM_TOKEN: SECRETS.CRM_TOKEN },
    { logger },
  );
  mcp = await startMcpServer();
});
afterAll(async () => {
  await mcp?.close();
  await h?.close();
});

describe('tool registry', () => {
  it('registers an http tool, an OpenAPI service and an MCP server, lists them with their derived tools, and deletes them', async () => {
    const networkId = await createNetwork();
    const weather = await call('POST', `/networks/${networkId}/tools`, { json: { tool: WEATHER } });
    expect(weather.status).toBe(201);
    expect(weather.body).toMatchObject({ network_id: networkId, name: 'weather', kind: 'http', description: 'Current weather for a city', warnings: [] });
    expect(weather.body.tools).toEqual([{ name: 'weather', description: 'Current weather for a city', input_schema: WEATHER.input_schema, side_effects: false, requires_approval: false }]);
    // The spec as accepted: the secret as its reference, the defaults filled in.
    expect(weather.body.spec).toMatchObject({ request: { headers: { 'x-api-key': { secret: 'WEATHER_TOKEN' } } }, side_effects: false, requires_approval: false });

    const analytics = await call('POST', `/networks/${networkId}/tools`, { json: { tool: { kind: 'openapi', name: 'analytics', description: 'SEED.md analytics', document: ANALYTICS_DOCUMENT } } });
    expect(analytics.status).toBe(201);
    expect(analytics.body.tools.map((tool: { name: string; side_effects: boolean }) => [tool.name, tool.side_effects])).toEqual([
      ['analytics.getReport', false],
      ['analytics.createSegment', true],
    ]);
    expect(analytics.body.tools[0].input_schema).toMatchObject({ type: 'object', properties: { report_id: { type: 'string' } }, required: ['report_id'] });
    expect(analytics.body.warnings).toEqual([expect.stringMatching(/^operation plantTree: .*recursive.*skipped$/)]);

    const crm = await call('POST', `/networks/${networkId}/tools`, { json: { tool: { kind: 'mcp', name: 'crm', url: mcp.url, headers: { authorization: { secret: 'CRM_TOKEN' } } } } });
    expect(crm.status).toBe(201);
    expect(crm.body.tools.map((tool: { name: string; side_effects: boolean }) => [tool.name, tool.side_effects])).toEqual([
      ['crm.lookup_contact', false],
      ['crm.tag_contact', true],
    ]);
    // The server was listed with the secret resolved from MESH_SECRET_CRM_TOKEN.
    expect(mcp.authorizations.length).toBeGreaterThan(0);
    expect(mcp.authorizations.every((value) => value === SECRETS.CRM_TOKEN)).toBe(true);

    const list = await call('GET', `/networks/${networkId}/tools`);
    expect(list.status).toBe(200);
    expect(list.body.tools.map((tool: { name: string }) => tool.name)).toEqual(['weather', 'analytics', 'crm']);
    expect(list.body.tools.flatMap((tool: { tools: { name: string }[] }) => tool.tools.map((t) => t.name))).toEqual([
      'weather',
      'analytics.getReport',
      'analytics.createSegment',
      'crm.lookup_contact',
      'crm.tag_contact',
    ]);
    // How a tool is called (base URLs, bindings) stays inside; the API shows what the model sees.
    expect(list.text).not.toContain('binding');
    const one = await call('GET', `/networks/${networkId}/tools/${crm.body.id}`);
    expect(one.status).toBe(200);
    expect(one.body).toEqual(list.body.tools[2]);
    // The stored rows keep the bindings the engine calls the tools with.
    const stored = await h.deps.store.tools.registeredFor('tenant-a', networkId);
    expect(stored.find((tool) => tool.name === 'analytics')?.tools[0]?.binding).toMatchObject({ kind: 'openapi', method: 'GET', path: '/reports/{report_id}', base_url: 'https://analytics.example.com/v1' });

    for (const tool of [weather, analytics, crm]) expect((await call('DELETE', `/networks/${networkId}/tools/${tool.body.id}`)).status).toBe(204);
    expect((await call('GET', `/networks/${networkId}/tools`)).body).toEqual({ tools: [] });
    expect((await call('DELETE', `/networks/${networkId}/tools/${crm.body.id}`)).status).toBe(404);
    expect((await call('GET', `/networks/${networkId}/tools/${crm.body.id}`)).status).toBe(404);
  });

  it('checks agents’ tools against the network’s tools and built-ins, naming every unknown entry by its path', async () => {
    const networkId = await createNetwork();
    expect((await call('POST', `/networks/${networkId}/tools`, { json: { tool: WEATHER } })).status).toBe(201);
    expect((await call('POST', `/networks/${networkId}/tools`, { json: { tool: { kind: 'mcp', name: 'crm', url: mcp.url, headers: { authorization: { secret: 'CRM_TOKEN' } } } } })).status).toBe(201);

    const added = await call('POST', `/networks/${networkId}/agents`, { json: { agent_config: { name: 'Analyst', type: 'analyst', tools: ['weather', 'crm.*', 'crm.lookup_contact', 'search_memory'] } } });
    expect(added.status).toBe(201);
    expect(added.body.tools).toEqual(['weather', 'crm.*', 'crm.lookup_contact', 'search_memory']);
    const agents = await call('GET', `/networks/${networkId}/agents`);
    expect(agents.body.agents.find((agent: { type: string }) => agent.type === 'analyst').tools).toEqual(['weather', 'crm.*', 'crm.lookup_contact', 'search_memory']);

    const before = await rowCounts();
    const unknown = await call('POST', `/networks/${networkId}/agents`, { json: { agent_config: { name: 'Sender', type: 'sender', tools: ['weather', 'forecast', 'crm.delete_contact', 'send_email', 'crm', 'billing.*'] } } });
    expect(unknown.status).toBe(400);
    expect(ErrorBody.parse(unknown.body).error.details).toEqual([
      { path: 'agent_config.tools.1', message: 'forecast is not a tool of this network' },
      { path: 'agent_config.tools.2', message: 'crm.delete_contact is not a tool of this network' },
      // No SMTP server configured here.
      { path: 'agent_config.tools.3', message: 'send_email is not enabled on this server' },
      { path: 'agent_config.tools.4', message: expect.stringContaining('crm is a service') },
      { path: 'agent_config.tools.5', message: 'billing.*: no service named billing is registered' },
    ]);
    // Another tenant's network is a 404, whatever the tools say.
    expect((await call('POST', `/networks/${networkId}/agents`, { key: KEY_B, json: { agent_config: { name: 'X', type: 'x', tools: ['forecast'] } } })).status).toBe(404);
    expect(await rowCounts()).toEqual(before);

    // At network creation only built-ins exist.
    const created = await call('POST', '/networks', { json: { name: 'Built-ins', agents: [{ name: 'Coordinator', type: 'coordinator' }, { name: 'Researcher', type: 'research', tools: ['search_memory'] }] } });
    expect(created.status).toBe(201);
    expect(created.body.agents.map((agent: { tools: string[] }) => agent.tools)).toEqual([[], ['search_memory']]);
    const refused = await call('POST', '/networks', { json: { name: 'Too early', agents: [{ name: 'Researcher', type: 'research', tools: ['search_memory'] }, { name: 'Forecaster', type: 'forecast', tools: ['search_memory', 'weather'] }] } });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details).toEqual([{ path: 'agents.1.tools.1', message: 'weather is not a tool of this network' }]);
    expect(refused.body.error.message).toContain('register its tools, then add the agents');
    expect((await rowCounts()).networks).toBe(before.networks! + 1);
  });

  it('offers send_email only when an SMTP server is configured', async () => {
    const withSmtp = await h.startVariant({
      tools: toolEnvironment({ ...h.deps.config.tools, smtp: { url: 'smtp://127.0.0.1:2525', from: 'mesh@example.com' } }),
    });
    try {
      const created = await withSmtp.call('POST', '/networks', { json: { name: 'Mailer', agents: [{ name: 'Mailer', type: 'mailer', tools: ['send_email'] }] } });
      expect(created.status).toBe(201);
      expect(created.body.agents.find((agent: { type: string }) => agent.type === 'mailer').tools).toEqual(['send_email']);
    } finally {
      await withSmtp.close();
    }
    const refused = await call('POST', '/networks', { json: { name: 'Mailer', agents: [{ name: 'Mailer', type: 'mailer', tools: ['send_email'] }] } });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details).toEqual([{ path: 'agents.0.tools.0', message: 'send_email is not enabled on this server' }]);
  });

  it('refuses to delete a tool an agent lists (409 naming the agents) until those agents are removed', async () => {
    const networkId = await createNetwork();
    const crm = await call('POST', `/networks/${networkId}/tools`, { json: { tool: { kind: 'mcp', name: 'crm', url: mcp.url, headers: { authorization: { secret: 'CRM_TOKEN' } } } } });
    const weather = await call('POST', `/networks/${networkId}/tools`, { json: { tool: WEATHER } });
    const sales = await call('POST', `/networks/${networkId}/agents`, { json: { agent_config: { name: 'Sales', type: 'sales', tools: ['crm.lookup_contact'] } } });
    const support = await call('POST', `/networks/${networkId}/agents`, { json: { agent_config: { name: 'Support', type: 'support', tools: ['crm.*', 'weather'] } } });
    expect([crm.status, weather.status, sales.status, support.status]).toEqual([201, 201, 201, 201]);

    const blocked = await call('DELETE', `/networks/${networkId}/tools/${crm.body.id}`);
    expect(blocked.status).toBe(409);
    expect(blocked.body.error.message).toContain('Sales (sales), Support (support)');
    expect(blocked.body.error.details).toEqual({
      tool: 'crm',
      agents: [
        { id: sales.body.id, name: 'Sales', type: 'sales' },
        { id: support.body.id, name: 'Support', type: 'support' },
      ],
    });
    expect((await call('DELETE', `/networks/${networkId}/tools/${weather.body.id}`)).status).toBe(409);
    expect(await h.count('tools', networkId)).toBe(2);

    expect((await call('DELETE', `/networks/${networkId}/agents/${support.body.id}`)).status).toBe(204);
    expect((await call('DELETE', `/networks/${networkId}/tools/${weather.body.id}`)).status).toBe(204);
    expect((await call('DELETE', `/networks/${networkId}/tools/${crm.body.id}`)).status).toBe(409);
    expect((await call('DELETE', `/networks/${networkId}/agents/${sales.body.id}`)).status).toBe(204);
    expect((await call('DELETE', `/networks/${networkId}/tools/${crm.body.id}`)).status).toBe(204);
  });

  it('deletes a network’s tools with the network', async () => {
    const networkId = await createNetwork();
    expect((await call('POST', `/networks/${networkId}/tools`, { json: { tool: WEATHER } })).status).toBe(201);
    await call('POST', `/networks/${networkId}/agents`, { json: { agent_config: { name: 'Forecaster', type: 'forecast', tools: ['weather'] } } });
    expect(await h.count('tools', networkId)).toBe(1);
    expect((await call('DELETE', `/networks/${networkId}`)).status).toBe(204);
    expect(await h.count('tools', networkId)).toBe(0);
    expect((await call('GET', `/networks/${networkId}/tools`)).status).toBe(404);
  });
});

describe('bad registrations: a clear 4xx, and nothing stored', () => {
  let networkId: string;
  let brokenDocuments: { url: string; close(): Promise<void> };
  let closedPort: number;
  beforeAll(async () => {
    networkId = await createNetwork();
    expect((await call('POST', `/networks/${networkId}/tools`, { json: { tool: WEATHER } })).status).toBe(201);
    brokenDocuments = await startHttpServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"openapi": "3.1.0",\n  "paths": {,}\n}'));
    const closed = await startHttpServer(() => {});
    closedPort = Number(new URL(closed.url).port);
    await closed.close();
  });
  afterAll(() => brokenDocuments?.close());

  const http = (overrides: Record<string, unknown>) => ({ ...WEATHER, name: 'forecast', ...overrides });

  const cases: { name: string; tool: () => unknown; status: number; code?: string; detail?: { path: string; message: RegExp } }[] = [
    {
      name: 'an input schema that is not valid JSON Schema',
      tool: () => http({ input_schema: { type: 'object', properties: { city: { type: 'strin' } }, required: ['city'] } }),
      status: 400,
      detail: { path: 'tool.input_schema', message: /not a valid JSON Schema/ },
    },
    {
      name: 'an input schema with a misspelt keyword',
      tool: () => http({ input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalPropertiez: false } }),
      status: 400,
      detail: { path: 'tool.input_schema', message: /additionalPropertiez/ },
    },
    {
      name: 'an input schema that does not describe an object',
      tool: () => http({ input_schema: { type: 'array' } }),
      status: 400,
      detail: { path: 'tool.input_schema.type', message: /type.*object/ },
    },
    {
      name: 'an inline OpenAPI document that does not parse (saying where)',
      tool: () => ({ kind: 'openapi', name: 'analytics', document: { ...ANALYTICS_DOCUMENT, paths: { '/reports': { get: { operationId: 'listReports', responses: 'all of them' } } } } }),
      status: 400,
      // The parser's frame of the document, pointing at the offending value.
      detail: { path: 'tool.document', message: /does not parse[\s\S]*"responses": "all of them"\n\s*\|\s*\^ type must be object/ },
    },
    {
      name: 'an inline document that is not OpenAPI 3',
      tool: () => ({ kind: 'openapi', name: 'analytics', document: { swagger: '2.0', paths: {} } }),
      status: 400,
      detail: { path: 'tool.document', message: /OpenAPI 3\.0 or 3\.1/ },
    },
    {
      name: 'an OpenAPI document at document_url that is not JSON (422, saying where)',
      tool: () => ({ kind: 'openapi', name: 'analytics', document_url: `${brokenDocuments.url}/openapi.json` }),
      status: 422,
      code: 'unprocessable',
      detail: { path: 'tool.document_url', message: /not JSON.*line 2/ },
    },
    {
      name: 'an MCP server that does not answer (422 with the reason)',
      tool: () => ({ kind: 'mcp', name: 'crm', url: `http://127.0.0.1:${closedPort}/mcp` }),
      status: 422,
      code: 'unprocessable',
      detail: { path: 'tool.url', message: /did not answer: .*(ECONNREFUSED|refused)/i },
    },
    {
      name: 'an http tool at the cloud metadata address',
      tool: () => http({ request: { method: 'GET', url: 'http://169.254.169.254/latest/meta-data/{city}' } }),
      status: 400,
      detail: { path: 'request.url', message: /refused|metadata/ },
    },
    {
      name: 'an http tool at a private address the operator has not allowed',
      tool: () => http({ request: { method: 'POST', url: 'http://10.1.2.3/hooks/{city}' } }),
      status: 400,
      detail: { path: 'request.url', message: /MESH_TOOL_ALLOWED_HOSTS/ },
    },
    {
      name: 'an MCP server on localhost (only 127.0.0.1 is allowed here)',
      tool: () => ({ kind: 'mcp', name: 'crm', url: mcp.url.replace('127.0.0.1', 'localhost') }),
      status: 400,
      detail: { path: 'url', message: /refused|MESH_TOOL_ALLOWED_HOSTS/ },
    },
    {
      name: 'an OpenAPI service whose servers point at a private address',
      tool: () => ({ kind: 'openapi', name: 'analytics', document: ANALYTICS_DOCUMENT, operations: ['getReport'], base_url: 'http://192.168.1.10/v1' }),
      status: 400,
      detail: { path: 'base_url', message: /MESH_TOOL_ALLOWED_HOSTS/ },
    },
    {
      name: 'a secret the operator has not configured',
      tool: () => http({ request: { method: 'GET', url: 'https://weather.example.com/{city}', headers: { authorization: { secret: 'NOT_CONFIGURED' } } } }),
      status: 400,
      detail: { path: 'tool.headers', message: /MESH_SECRET_NOT_CONFIGURED/ },
    },
    {
      name: 'a duplicate tool name',
      tool: () => ({ ...WEATHER }),
      status: 409,
      code: 'conflict',
    },
    {
      name: 'a tool name that is not a slug',
      tool: () => http({ name: 'Weather Tool' }),
      status: 400,
      detail: { path: 'tool.name', message: /slug/ },
    },
    {
      name: 'the name of a built-in',
      tool: () => http({ name: 'send_email' }),
      status: 400,
      detail: { path: 'tool.name', message: /built-in/ },
    },
    {
      name: 'an operation the document does not have',
      tool: () => ({ kind: 'openapi', name: 'analytics', document: ANALYTICS_DOCUMENT, operations: ['deleteEverything'] }),
      status: 400,
      detail: { path: 'tool.operations', message: /no operation deleteEverything/ },
    },
  ];

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const before = await rowCounts();
    const res = await call('POST', `/networks/${networkId}/tools`, { json: { tool: c.tool() } });
    expect({ status: res.status, body: res.body }).toMatchObject({ status: c.status });
    const error = ErrorBody.parse(res.body).error;
    expect(error.code).toBe(c.code ?? 'validation_error');
    if (c.detail) {
      const details = error.details as { path: string; message: string }[];
      expect(details).toEqual(expect.arrayContaining([{ path: c.detail.path, message: expect.stringMatching(c.detail.message) }]));
    }
    expect(await rowCounts()).toEqual(before);
  });

  it("is a 404 on another tenant's network, before anything is fetched", async () => {
    const before = await rowCounts();
    const calls = mcp.authorizations.length;
    const res = await call('POST', `/networks/${networkId}/tools`, { key: KEY_B, json: { tool: { kind: 'mcp', name: 'crm', url: mcp.url } } });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
    expect(mcp.authorizations.length).toBe(calls);
    for (const path of [`/networks/${networkId}/tools`, `/networks/${networkId}/tools/${(await h.deps.store.tools.list('tenant-a', networkId))[0]!.id}`]) {
      expect((await call('GET', path, { key: KEY_B })).status).toBe(404);
    }
    expect((await call('DELETE', `/networks/${networkId}/tools/${(await h.deps.store.tools.list('tenant-a', networkId))[0]!.id}`, { key: KEY_B })).status).toBe(404);
    expect(await rowCounts()).toEqual(before);
  });
});

describe('secrets', () => {
  it('never appear in the API’s answers, its log lines or the stored rows', async () => {
    const networkId = await createNetwork();
    expect((await call('POST', `/networks/${networkId}/tools`, { json: { tool: WEATHER } })).status).toBe(201);
    expect((await call('POST', `/networks/${networkId}/tools`, { json: { tool: { kind: 'mcp', name: 'crm', url: mcp.url, headers: { authorization: { secret: 'CRM_TOKEN' } } } } })).status).toBe(201);
    // A server that echoes the token it was sent in its error: the 422 says why without it.
    const echo = await startMcpServer({ rejectWith: 401 });
    try {
      const refused = await call('POST', `/networks/${networkId}/tools`, { json: { tool: { kind: 'mcp', name: 'echo', url: echo.url, headers: { authorization: { secret: 'CRM_TOKEN' } } } } });
      expect(refused.status).toBe(422);
      // The server's words reach the client, the token in them does not (the leak search below).
      expect(refused.body.error.message).toContain('is not accepted here');
      expect(echo.authorizations).toContain(SECRETS.CRM_TOKEN);
    } finally {
      await echo.close();
    }
    const list = await call('GET', `/networks/${networkId}/tools`);
    expect(list.body.tools.map((tool: { name: string }) => tool.name)).toEqual(['weather', 'crm']);
    expect(list.text).toContain('"secret":"WEATHER_TOKEN"');

    const { rows } = await h.t.db.query('SELECT * FROM tools');
    expect(rows.length).toBeGreaterThan(2);
    expect(leaksIn(JSON.stringify(rows))).toEqual([]);
    expect(answers.length).toBeGreaterThan(20);
    expect(leaksIn(answers.join('\n'))).toEqual([]);
    // The log lines are there (one per request at least), and hold none of it.
    expect(logLines.some((line) => line.includes('tool registered'))).toBe(true);
    expect(leaksIn(logLines.join('\n'))).toEqual([]);
  });
});
