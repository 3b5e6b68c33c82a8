import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { RegisterToolBody, type CoordinatorDecision, type RegisteredTool, type ToolSpec } from '@mesh/core';
import { createTestEnv, ScriptedModel, startInProcessMesh, startMcpTestServer, startSmtpTestServer, type SmtpTestServer, type ScriptedCall, type TestEnv } from '@mesh/testing';
import { deriveTools, emailMessageId, MCP_IDEMPOTENCY_META_KEY, toolCallIdempotencyKey, toolEnvironment } from '@mesh/tools';
import { SCHEMA_NAMES } from '../model-client';

/**
 * Each kind of tool end to end through the engine (coordinator, worker pool, Postgres journal and
 * email ledger) against a real counterpart on loopback: `send_email` against an SMTP server (the
 * smtp-server package), an MCP server built with the SDK's own server side, an OpenAPI service,
 * and a tool pointing at the cloud metadata address. The model is scripted, so each turn is known.
 */
const FROM = 'Agent Mesh <mesh@campaigns.example.com>';
let env: TestEnv;
let smtp: SmtpTestServer;

interface HttpHit {
  method: string;
  url: string;
  body: string;
  headers: IncomingMessage['headers'];
}

async function startHttpService(answer: (hit: HttpHit) => { status: number; body: unknown }): Promise<{ url: string; hits: HttpHit[]; close(): Promise<void> }> {
  const hits: HttpHit[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const hit = { method: req.method ?? '', url: req.url ?? '', body: Buffer.concat(chunks).toString('utf8'), headers: req.headers };
      hits.push(hit);
      const { status, body } = answer(hit);
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A CRM over MCP (the SDK's McpServer on its stateless Streamable HTTP transport): three tools, each call kept. */
async function startMcpServer(): Promise<{ url: string; calls: { tool: string; arguments: unknown; meta: unknown }[]; close(): Promise<void> }> {
  const calls: { tool: string; arguments: unknown; meta: unknown }[] = [];
  const build = () => {
    const mcp = new McpServer({ name: 'crm', version: '1.0.0' });
    mcp.registerTool('lookup_contact', { description: 'Finds a contact by email', inputSchema: { email: z.string() }, annotations: { readOnlyHint: true } }, async ({ email }, extra) => {
      calls.push({ tool: 'lookup_contact', arguments: { email }, meta: extra._meta });
      return { content: [{ type: 'text', text: `contact ${email}: Ada Lovelace, segment early-adopters` }], structuredContent: { name: 'Ada Lovelace', email, segment: 'early-adopters' } };
    });
    mcp.registerTool('tag_contact', { description: 'Adds a tag to a contact', inputSchema: { email: z.string(), tag: z.string() } }, async ({ email, tag }, extra) => {
      calls.push({ tool: 'tag_contact', arguments: { email, tag }, meta: extra._meta });
      return { content: [{ type: 'text', text: `tagged ${email} ${tag}` }] };
    });
    mcp.registerTool('delete_contact', { description: 'Deletes a contact for good', inputSchema: { email: z.string() } }, async ({ email }, extra) => {
      calls.push({ tool: 'delete_contact', arguments: { email }, meta: extra._meta });
      return { content: [{ type: 'text', text: `deleted ${email}` }] };
    });
    return mcp;
  };
  return { ...(await startMcpTestServer(build)), calls };
}

const plan: CoordinatorDecision = {
  task_complete: false,
  reasoning: 'delegate',
  subtasks: [{ key: 'act', agent_type: 'analytics', description: 'do it', depends_on: [] }],
  new_memories: [],
  result: null,
};
const done: CoordinatorDecision = { task_complete: true, reasoning: 'done', subtasks: [], new_memories: [], result: { content: 'final', confidence: 0.9, explanation: 'e' } };
const answer = (result: string) => ({ reasoning: 'r', result, confidence: 0.8, suggested_memories: [] });

function toolResults(call: ScriptedCall): { name: string; content: string; isError: boolean }[] {
  return call.messages.flatMap((m) => (m.role === 'tool' ? [{ name: m.name, content: m.content, isError: m.isError === true }] : []));
}

/** A model whose coordinator plans one analytics subtask, then completes; `agent` answers the subtask's turns. */
function scriptedModel(agent: (call: ScriptedCall) => unknown): ScriptedModel {
  return new ScriptedModel((_req, call) => {
    if (call.schemaName === SCHEMA_NAMES.coordinatorDecision) return call.user.includes('### iteration') ? done : plan;
    return agent(call);
  });
}

async function register(networkId: string, tool: Record<string, unknown>): Promise<RegisteredTool> {
  const spec: ToolSpec = RegisterToolBody.parse({ tool }).tool;
  const { tools } = await deriveTools(spec, toolEnvironment(env.config.tools).derive);
  return env.store.tools.create('tenant-a', networkId, { spec, tools });
}

const analyticsAgent = (tools: string[]): Record<string, unknown> => ({
  agents: [
    { name: 'Coordinator', type: 'coordinator' },
    { name: 'Analytics Specialist', type: 'analytics', tools },
  ],
});

beforeAll(async () => {
  smtp = await startSmtpTestServer();
  env = await createTestEnv('tool-integrations', {
    MESH_TOOL_ALLOWED_HOSTS: '127.0.0.1,169.254.169.254',
    MESH_SMTP_URL: smtp.url,
    MESH_EMAIL_FROM: FROM,
    MESH_AGENT_DISCOVERY_MS: '100',
  });
});
afterAll(async () => {
  await env?.cleanup();
  await smtp?.close();
});

describe('tools end to end through the engine', () => {
  it('send_email: the message reaches a real SMTP server once, with its Message-ID, and a retried subtask sends nothing more', async () => {
    let finalTurns = 0;
    const model = scriptedModel((call) => {
      const results = toolResults(call);
      if (results.length === 0) return ScriptedModel.callTools({ name: 'send_email', arguments: { to: 'ada@example.com', subject: 'Spring sale', text: 'Twenty percent off everything.' } });
      // The first attempt dies after the email went out and was recorded: the subtask is retried.
      finalTurns += 1;
      if (finalTurns === 1) throw new Error('worker lost its connection');
      return answer(results[0]!.content);
    });
    const mesh = await startInProcessMesh(env, model);
    try {
      const networkId = await mesh.createNetwork(analyticsAgent(['send_email']));
      const task = await mesh.waitForTask(await mesh.submit(networkId, { task: 'Send the spring sale email to Ada' }), 30_000);
      expect(task.status).toBe('completed');
      const subtask = task.subtasks![0]!;
      expect(subtask.attempts).toBeGreaterThanOrEqual(2);

      const messageId = emailMessageId(toolCallIdempotencyKey(subtask.id, 0), FROM);
      expect(smtp.received.map((m) => [m.to, m.messageId])).toEqual([[['ada@example.com'], messageId]]);
      expect(smtp.received[0]!.raw).toContain('Twenty percent off everything.');
      // The retry's conversation got the journal's result (the send itself), not a second send
      // caught by the ledger ("already sent").
      const turns = model.calls.filter((c) => c.schemaName === SCHEMA_NAMES.agentOutput);
      expect(turns).toHaveLength(3);
      const replayed = toolResults(turns[2]!);
      expect(replayed).toHaveLength(1);
      expect(replayed[0]!.content).toContain(`Email sent to ada@example.com (Message-ID ${messageId})`);
      expect(replayed[0]!.content).not.toMatch(/already sent/);
      expect(subtask.tool_calls.map((c) => [c.tool, c.status, c.idempotency_key])).toEqual([['send_email', 'completed', toolCallIdempotencyKey(subtask.id, 0)]]);
      const { rows } = await env.db.query<{ message_id: string }>('SELECT message_id FROM sent_emails');
      expect(rows.map((r) => r.message_id)).toEqual([messageId]);
    } finally {
      await mesh.close();
    }
  }, 40_000);

  it('MCP: the agent calls a real MCP server through tools/call, gets its result back, and is never offered a tool outside allowed_tools', async () => {
    const mcp = await startMcpServer();
    const model = scriptedModel((call) => {
      const results = toolResults(call);
      if (results.length === 0) {
        // The model asks for a tool outside allowed_tools too (as a prompt injection would).
        return ScriptedModel.callTools({ name: 'crm.lookup_contact', arguments: { email: 'ada@example.com' } }, { name: 'crm.delete_contact', arguments: { email: 'ada@example.com' } });
      }
      return answer(results.map((r) => `${r.name}:${r.isError ? 'error' : 'ok'}`).join(','));
    });
    const mesh = await startInProcessMesh(env, model);
    try {
      const networkId = await mesh.createNetwork(analyticsAgent(['crm.*']));
      const registered = await register(networkId, { kind: 'mcp', name: 'crm', url: mcp.url, allowed_tools: ['lookup_contact', 'tag_contact'] });
      expect(registered.tools.map((t) => t.name)).toEqual(['crm.lookup_contact', 'crm.tag_contact']);
      const task = await mesh.waitForTask(await mesh.submit(networkId, { task: 'Who is ada@example.com?' }));
      expect(task.status).toBe('completed');
      const subtask = task.subtasks![0]!;
      expect(subtask.result).toBe('crm.lookup_contact:ok,crm.delete_contact:error');

      // The model was offered the allowed tools only, on every turn.
      const turns = model.calls.filter((c) => c.schemaName === SCHEMA_NAMES.agentOutput);
      expect(turns).toHaveLength(2);
      for (const turn of turns) expect(turn.tools.sort()).toEqual(['crm.lookup_contact', 'crm.tag_contact']);
      // Only the allowed call reached the server, with the call's idempotency key in _meta.
      expect(mcp.calls).toEqual([{ tool: 'lookup_contact', arguments: { email: 'ada@example.com' }, meta: expect.objectContaining({ [MCP_IDEMPOTENCY_META_KEY]: toolCallIdempotencyKey(subtask.id, 0) }) }]);
      // Its result went back to the model as data; the refused one as an error naming the tools it may call.
      const [lookup, refused] = toolResults(turns[1]!);
      expect(lookup).toMatchObject({ name: 'crm.lookup_contact', isError: false });
      expect(lookup!.content).toContain('<data name="tool result crm.lookup_contact">');
      expect(lookup!.content).toContain('Ada Lovelace, segment early-adopters');
      expect(refused).toMatchObject({ name: 'crm.delete_contact', isError: true });
      expect(refused!.content).toMatch(/no tool named crm\.delete_contact/);
      // Recorded in Postgres with its result; the refused call ran nothing and has no record.
      expect(subtask.tool_calls).toHaveLength(1);
      expect(subtask.tool_calls[0]).toMatchObject({ tool: 'crm.lookup_contact', status: 'completed', arguments: { email: 'ada@example.com' } });
      expect(JSON.stringify(subtask.tool_calls[0]!.result)).toContain('Ada Lovelace');
    } finally {
      await mesh.close();
      await mcp.close();
    }
  });

  it('OpenAPI: the agent uses service.* tools derived from an inline document, against base_url', async () => {
    const service = await startHttpService((hit) => {
      const metrics = /^\/v1\/campaigns\/([^/?]+)\/metrics(\?.*)?$/.exec(hit.url);
      if (hit.method === 'GET' && metrics) return { status: 200, body: { campaign: decodeURIComponent(metrics[1]!), open_rate: 0.42, click_rate: 0.07 } };
      if (hit.method === 'POST' && hit.url === '/v1/reports') return { status: 201, body: { report_id: 'r-77', request: JSON.parse(hit.body) } };
      return { status: 404, body: { error: 'not found' } };
    });
    const document = {
      openapi: '3.0.3',
      info: { title: 'Analytics', version: '1.0.0' },
      // The document's own server is not where the service runs: base_url says where.
      servers: [{ url: 'https://analytics.example.com/v1' }],
      paths: {
        '/campaigns/{campaign_id}/metrics': {
          get: {
            operationId: 'getCampaignMetrics',
            summary: 'Open and click rates of a campaign',
            parameters: [
              { name: 'campaign_id', in: 'path', required: true, schema: { type: 'string' } },
              { name: 'period', in: 'query', schema: { type: 'string', enum: ['day', 'week', 'month'] } },
            ],
            responses: { '200': { description: 'Metrics' } },
          },
        },
        '/reports': {
          post: {
            operationId: 'createReport',
            summary: 'Creates a report',
            requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['campaign_ids'], properties: { campaign_ids: { type: 'array', items: { type: 'string' } } } } } } },
            responses: { '201': { description: 'Created' } },
          },
        },
      },
    };
    const model = scriptedModel((call) => {
      const results = toolResults(call);
      if (results.length === 0) return ScriptedModel.callTools({ name: 'analytics.getCampaignMetrics', arguments: { campaign_id: 'spring', period: 'week' } });
      // The JSON request body is the input's `body` property.
      if (results.length === 1) return ScriptedModel.callTools({ name: 'analytics.createReport', arguments: { body: { campaign_ids: ['spring'] } } });
      return answer(results.map((r) => r.content).join(' | '));
    });
    const mesh = await startInProcessMesh(env, model);
    try {
      const networkId = await mesh.createNetwork(analyticsAgent(['analytics.*']));
      const registered = await register(networkId, { kind: 'openapi', name: 'analytics', document, base_url: `${service.url}/v1` });
      expect(registered.tools.map((t) => [t.name, t.side_effects])).toEqual([
        ['analytics.getCampaignMetrics', false],
        ['analytics.createReport', true],
      ]);
      const task = await mesh.waitForTask(await mesh.submit(networkId, { task: 'Report on the spring campaign' }));
      expect(task.status).toBe('completed');
      const subtask = task.subtasks![0]!;

      expect(service.hits.map((h) => [h.method, h.url])).toEqual([
        ['GET', '/v1/campaigns/spring/metrics?period=week'],
        ['POST', '/v1/reports'],
      ]);
      expect(JSON.parse(service.hits[1]!.body)).toEqual({ campaign_ids: ['spring'] });
      // The read carries no idempotency key, the side effect its call's key.
      expect(service.hits[0]!.headers['idempotency-key']).toBeUndefined();
      expect(service.hits[1]!.headers['idempotency-key']).toBe(toolCallIdempotencyKey(subtask.id, 1));
      // Both results went back to the model and into its answer.
      expect(subtask.result).toContain('"open_rate":0.42');
      expect(subtask.result).toContain('r-77');
      const turns = model.calls.filter((c) => c.schemaName === SCHEMA_NAMES.agentOutput);
      expect(turns[0]!.tools.sort()).toEqual(['analytics.createReport', 'analytics.getCampaignMetrics']);
      expect(subtask.tool_calls.map((c) => [c.tool, c.status, c.arguments])).toEqual([
        ['analytics.getCampaignMetrics', 'completed', { campaign_id: 'spring', period: 'week' }],
        ['analytics.createReport', 'completed', { body: { campaign_ids: ['spring'] } }],
      ]);
    } finally {
      await mesh.close();
      await service.close();
    }
  });

  it('reads a registration once per process: later subtasks take it from memory, and one registered meanwhile is read when a claim names it', async () => {
    const service = await startHttpService((hit) => ({ status: 200, body: { path: hit.url } }));
    const operation = (operationId: string, path: string) => ({ [path]: { get: { operationId, responses: { '200': { description: 'OK' } } } } });
    const documentOf = (operationId: string, path: string) => ({ openapi: '3.0.3', info: { title: operationId, version: '1' }, paths: operation(operationId, path) });
    const model = scriptedModel((call) => {
      const results = toolResults(call);
      if (results.length === 0) return ScriptedModel.callTools(...call.tools.map((name) => ({ name, arguments: {} })));
      return answer(results.map((r) => r.content).join(' | '));
    });
    const mesh = await startInProcessMesh(env, model);
    const reads = jest.spyOn(mesh.runtime.store.tools, 'registeredByIds');
    try {
      const networkId = await mesh.createNetwork(analyticsAgent(['analytics.*', 'audience.*']));
      const analytics = await register(networkId, { kind: 'openapi', name: 'analytics', document: documentOf('metrics', '/metrics'), base_url: service.url });
      const run = async () => (await mesh.waitForTask(await mesh.submit(networkId, { task: 'Report' }))).subtasks![0]!;
      const first = await run();
      expect(first.tool_calls.map((c) => [c.tool, c.status])).toEqual([['analytics.metrics', 'completed']]);
      expect(reads.mock.calls.map((c) => c[2])).toEqual([[analytics.id]]);
      // The next subtask of the network reads no registration.
      expect((await run()).tool_calls.map((c) => c.status)).toEqual(['completed']);
      expect(reads).toHaveBeenCalledTimes(1);
      // A registration added since is named by the next claim: only it is read, and the agent can use it.
      const audience = await register(networkId, { kind: 'openapi', name: 'audience', document: documentOf('segments', '/segments'), base_url: service.url });
      const third = await run();
      expect(third.tool_calls.map((c) => [c.tool, c.status])).toEqual([
        ['analytics.metrics', 'completed'],
        ['audience.segments', 'completed'],
      ]);
      expect(reads.mock.calls.map((c) => c[2])).toEqual([[analytics.id], [audience.id]]);
      expect(service.hits.map((h) => h.url)).toEqual(['/metrics', '/metrics', '/metrics', '/segments']);
    } finally {
      reads.mockRestore();
      await mesh.close();
      await service.close();
    }
  });

  it('a tool pointing at the metadata address gives the model an error result (even when allow-listed), and the subtask completes', async () => {
    const model = scriptedModel((call) => {
      const results = toolResults(call);
      if (results.length === 0) return ScriptedModel.callTools({ name: 'instance_info', arguments: {} });
      return answer(`${results[0]!.isError ? 'error' : 'ok'}: ${results[0]!.content}`);
    });
    const mesh = await startInProcessMesh(env, model);
    try {
      const networkId = await mesh.createNetwork(analyticsAgent(['instance_info']));
      // Registration refuses this URL; the row is written directly, as if the tool had been
      // registered when it pointed elsewhere: the call is refused at call time too.
      const spec = RegisterToolBody.parse({
        tool: { kind: 'http', name: 'instance_info', description: 'Instance metadata', input_schema: { type: 'object', properties: {} }, request: { method: 'GET', url: 'http://169.254.169.254/latest/meta-data/' } },
      }).tool;
      await expect(deriveTools(spec, toolEnvironment(env.config.tools).derive)).rejects.toThrow(/refused/);
      await env.store.tools.create('tenant-a', networkId, {
        spec,
        tools: [{ name: 'instance_info', description: 'Instance metadata', input_schema: { type: 'object', properties: {} }, side_effects: false, requires_approval: false, binding: { kind: 'http' } }],
      });
      const task = await mesh.waitForTask(await mesh.submit(networkId, { task: 'What instance am I on?' }));
      expect(task.status).toBe('completed');
      const subtask = task.subtasks![0]!;
      expect(subtask.status).toBe('completed');
      expect(subtask.result).toMatch(/^error: [\s\S]*169\.254\.169\.254 is a cloud metadata address/);
      expect(subtask.tool_calls.map((c) => [c.tool, c.status])).toEqual([['instance_info', 'failed']]);
      expect(subtask.tool_calls[0]!.error).toMatch(/refused/);
    } finally {
      await mesh.close();
    }
  });
});
