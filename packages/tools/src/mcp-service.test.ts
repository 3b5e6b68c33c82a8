import { randomUUID } from 'node:crypto';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { startMcpTestServer } from '@mesh/testing';
import { z } from 'zod';
import { toolTestRuntime } from './__tests__/tool-test-runtime';
import { ToolSourceError } from './errors';
import { MCP_IDEMPOTENCY_META_KEY } from './mcp-tool-executor';
import { runToolCall } from './run-tool-call';

const SECRET = 'mcp-token-8d7c6b5a4f3e';

interface McpTestServer {
  url: string;
  calls: { tool: string; arguments: unknown; meta: unknown }[];
  authorizations: (string | undefined)[];
  close(): Promise<void>;
}

/** A CRM MCP server with two tools, recording the calls it gets. */
async function startMcpServer(jsonResponses: boolean): Promise<McpTestServer> {
  const calls: McpTestServer['calls'] = [];
  const build = () => {
    const mcp = new McpServer({ name: 'crm', version: '1.0.0' });
    mcp.registerTool(
      'lookup_contact',
      { description: 'Finds a contact by email', inputSchema: { email: z.string() }, annotations: { readOnlyHint: true } },
      async ({ email }, extra) => {
        calls.push({ tool: 'lookup_contact', arguments: { email }, meta: extra._meta });
        return { content: [{ type: 'text', text: `contact ${email}: Ada Lovelace` }], structuredContent: { name: 'Ada Lovelace', email } };
      },
    );
    mcp.registerTool('tag_contact', { description: 'Adds a tag to a contact', inputSchema: { email: z.string(), tag: z.string() } }, async ({ email, tag }, extra) => {
      calls.push({ tool: 'tag_contact', arguments: { email, tag }, meta: extra._meta });
      return { content: [{ type: 'text', text: `cannot tag ${email}: tag ${tag} is archived (token ${SECRET})` }], isError: true };
    });
    return mcp;
  };
  return { ...(await startMcpTestServer(build, { jsonResponses })), calls };
}

describe.each([
  ['JSON', true],
  ['SSE', false],
])('MCP servers answering in %s', (_mode, jsonResponses) => {
  let server: McpTestServer;
  const runtime = () => toolTestRuntime({ env: { MESH_SECRET_CRM_MCP: SECRET } });

  beforeEach(async () => {
    server = await startMcpServer(jsonResponses);
  });

  afterEach(() => server.close());

  it('lists the server tools as <name>.<tool>, read-only ones without side effects', async () => {
    const rt = runtime();
    const registered = await rt.register({ kind: 'mcp', name: 'crm', url: server.url, headers: { authorization: { secret: 'CRM_MCP' } } });
    expect(registered.tools.map((t) => [t.name, t.side_effects, t.binding])).toEqual([
      ['crm.lookup_contact', false, { kind: 'mcp', tool: 'lookup_contact' }],
      ['crm.tag_contact', true, { kind: 'mcp', tool: 'tag_contact' }],
    ]);
    expect(registered.tools[0]?.input_schema).toMatchObject({ type: 'object', properties: { email: { type: 'string' } } });
    expect(server.authorizations.length).toBeGreaterThan(0);
    expect(server.authorizations.every((value) => value === SECRET)).toBe(true);
  });

  it('connects through the outbound policy: the name is resolved by the policy and the address pinned', async () => {
    const port = new URL(server.url).port;
    const lookups: string[] = [];
    const rt = toolTestRuntime({
      env: { MESH_SECRET_CRM_MCP: SECRET },
      policy: { allowedHosts: [`mcp.crm.example:${port}`], resolve: async (host) => (lookups.push(host), [{ address: '127.0.0.1', family: 4 }]) },
    });
    const registered = await rt.register({ kind: 'mcp', name: 'crm', url: `http://mcp.crm.example:${port}/mcp` });
    expect(registered.tools).toHaveLength(2);
    // One lookup for the registration check, then one per request of the SDK's transport: all through the policy.
    expect(lookups.length).toBeGreaterThan(1);
    expect(new Set(lookups)).toEqual(new Set(['mcp.crm.example']));
  });

  it('keeps only allowed_tools, and refuses a name the server does not offer', async () => {
    const rt = runtime();
    const registered = await rt.register({ kind: 'mcp', name: 'crm', url: server.url, headers: { authorization: { secret: 'CRM_MCP' } }, allowed_tools: ['lookup_contact'] });
    expect(registered.tools.map((t) => t.name)).toEqual(['crm.lookup_contact']);
    await expect(rt.register({ kind: 'mcp', name: 'crm', url: server.url, allowed_tools: ['drop_database'] })).rejects.toThrow(/does not offer drop_database/);
  });

  it('calls a tool through tools/call, with the idempotency key in _meta', async () => {
    const rt = runtime();
    const registered = await rt.register({ kind: 'mcp', name: 'crm', url: server.url, headers: { authorization: { secret: 'CRM_MCP' } } });
    const subtaskId = randomUUID();
    const outcome = await runToolCall(rt.deps, { subtaskId, position: 0, round: 0, callId: `call-0`, tool: rt.catalog([registered]).get('crm.lookup_contact')!, arguments: { email: 'ada@example.com' } });
    expect(outcome.result).toEqual({ ok: true, content: 'contact ada@example.com: Ada Lovelace', data: { name: 'Ada Lovelace', email: 'ada@example.com' } });
    expect(server.calls).toEqual([{ tool: 'lookup_contact', arguments: { email: 'ada@example.com' }, meta: expect.objectContaining({ [MCP_IDEMPOTENCY_META_KEY]: outcome.record.idempotencyKey }) }]);
  });

  it('turns an isError result into an error result, with secrets scrubbed', async () => {
    const rt = runtime();
    const registered = await rt.register({ kind: 'mcp', name: 'crm', url: server.url, headers: { authorization: { secret: 'CRM_MCP' } } });
    const outcome = await runToolCall(rt.deps, { subtaskId: randomUUID(), position: 0, round: 0, callId: `call-0`, tool: rt.catalog([registered]).get('crm.tag_contact')!, arguments: { email: 'ada@example.com', tag: 'vip' } });
    expect(outcome.result.ok).toBe(false);
    expect(outcome.result.error).toMatch(/the tool reported an error: cannot tag ada@example.com/);
    expect(outcome.record.status).toBe('failed');
    expect(JSON.stringify(outcome)).not.toContain(SECRET);
  });

  it('reports a server that does not answer at registration as a 422 with the reason', async () => {
    const rt = runtime();
    const url = server.url;
    await server.close();
    const error = await rt.register({ kind: 'mcp', name: 'crm', url }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ToolSourceError);
    expect((error as ToolSourceError).status).toBe(422);
    expect((error as ToolSourceError).message).toMatch(/^The MCP server did not answer: .*ECONNREFUSED/);
    server = await startMcpServer(jsonResponses);
  });

  it('refuses a server on a refused address before connecting (400)', async () => {
    const rt = toolTestRuntime({ policy: { allowedHosts: [] } });
    await expect(rt.register({ kind: 'mcp', name: 'crm', url: server.url })).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/must point to a public host/) });
    expect(server.authorizations).toHaveLength(0);
  });
});
