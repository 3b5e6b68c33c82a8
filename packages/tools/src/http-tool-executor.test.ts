import { randomUUID } from 'node:crypto';
import { ValidationError } from '@mesh/core';
import { json, startHttpServer, type HttpTestServer } from './__tests__/http-test-server';
import { toolTestRuntime } from './__tests__/tool-test-runtime';
import { runToolCall } from './run-tool-call';
import { toolCallIdempotencyKey } from './tool-call-idempotency-key';

const SECRET = 'sk-live-4f9a1c2b7e6d5a3f';

describe('http tools', () => {
  let server: HttpTestServer;
  const runtime = () => toolTestRuntime({ env: { MESH_SECRET_CRM_TOKEN: SECRET } });

  beforeEach(async () => {
    server = await startHttpServer((req, res) => {
      if (req.url.startsWith('/echo-auth')) json(res, 200, { you_sent: req.headers.authorization });
      else if (req.url.startsWith('/missing')) json(res, 404, { error: 'no such list' });
      else json(res, req.method === 'POST' ? 201 : 200, { method: req.method, url: req.url, received: req.body ? JSON.parse(req.body) : null });
    });
  });

  afterEach(() => server.close());

  const addMember = (url: string) => ({
    kind: 'http' as const,
    name: 'crm_add_member',
    description: 'Adds a member to a list',
    input_schema: {
      type: 'object',
      properties: { list_id: { type: 'string' }, email: { type: 'string', format: 'email' }, tags: { type: 'array', items: { type: 'string' } } },
      required: ['list_id', 'email'],
      additionalProperties: false,
    },
    request: { method: 'POST', url, headers: { authorization: { secret: 'CRM_TOKEN' }, 'x-client': 'mesh' } },
  });

  it('fills placeholders, sends the rest as JSON, resolves the secret header and adds Idempotency-Key on POST', async () => {
    const rt = runtime();
    const registered = await rt.register(addMember(`${server.url}/lists/{list_id}/members`));
    expect(registered.tools[0]).toMatchObject({ name: 'crm_add_member', side_effects: true, requires_approval: false });
    expect(JSON.stringify(registered)).not.toContain(SECRET);
    const tool = rt.catalog([registered]).resolve(['crm_add_member'])[0]!;
    const subtaskId = randomUUID();
    const outcome = await runToolCall(rt.deps, { subtaskId, position: 0, round: 0, callId: `call-0`, tool, arguments: { list_id: 'spring sale/2025', email: 'ada@example.com', tags: ['vip'] } });

    expect(outcome.result.ok).toBe(true);
    const [request] = server.requests;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/lists/spring%20sale%2F2025/members');
    expect(JSON.parse(request?.body ?? '')).toEqual({ email: 'ada@example.com', tags: ['vip'] });
    expect(request?.headers.authorization).toBe(SECRET);
    expect(request?.headers['x-client']).toBe('mesh');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers['idempotency-key']).toBe(toolCallIdempotencyKey(subtaskId, 0));
    expect(outcome.result.data).toMatchObject({ method: 'POST', received: { email: 'ada@example.com' } });
    expect(outcome.content).toMatch(/^<data name="tool result crm_add_member">\nstatus: ok\n/);
  });

  it('sends the rest of the input as the query string on GET, without Idempotency-Key', async () => {
    const rt = runtime();
    const registered = await rt.register({
      kind: 'http',
      name: 'crm_search',
      description: 'Searches contacts',
      input_schema: { type: 'object', properties: { q: { type: 'string' }, limit: { type: 'integer' }, tag: { type: 'array', items: { type: 'string' } } }, required: ['q'] },
      request: { method: 'get', url: `${server.url}/contacts` },
    });
    const tool = registered.tools[0]!;
    expect(tool.side_effects).toBe(false);
    const outcome = await runToolCall(rt.deps, { subtaskId: randomUUID(), position: 0, round: 0, callId: `call-0`, tool: rt.catalog([registered]).get('crm_search')!, arguments: { q: 'ada lovelace', limit: 5, tag: ['a', 'b'] } });
    expect(outcome.result.ok).toBe(true);
    expect(server.requests[0]?.method).toBe('GET');
    expect(server.requests[0]?.url).toBe('/contacts?q=ada+lovelace&limit=5&tag=a&tag=b');
    expect(server.requests[0]?.body).toBe('');
    expect(server.requests[0]?.headers['idempotency-key']).toBeUndefined();
  });

  it('turns invalid arguments into an error result, and calls nothing', async () => {
    const rt = runtime();
    const registered = await rt.register(addMember(`${server.url}/lists/{list_id}/members`));
    const tool = rt.catalog([registered]).get('crm_add_member')!;
    const outcome = await runToolCall(rt.deps, { subtaskId: randomUUID(), position: 0, round: 0, callId: `call-0`, tool, arguments: { list_id: 'x', email: 'not an email', extra: 1 } });
    expect(outcome.result.ok).toBe(false);
    expect(outcome.result.error).toMatch(/invalid arguments for crm_add_member/);
    expect(outcome.result.error).toMatch(/email/);
    expect(outcome.result.error).toMatch(/extra/);
    expect(outcome.record.status).toBe('failed');
    expect(server.requests).toHaveLength(0);
  });

  it('refuses a dot segment in a placeholder, which would reach another path', async () => {
    const rt = runtime();
    const registered = await rt.register(addMember(`${server.url}/lists/{list_id}/members`));
    const outcome = await runToolCall(rt.deps, { subtaskId: randomUUID(), position: 0, round: 0, callId: `call-0`, tool: rt.catalog([registered]).get('crm_add_member')!, arguments: { list_id: '..', email: 'ada@example.com' } });
    expect(outcome.result.ok).toBe(false);
    expect(server.requests).toHaveLength(0);
  });

  it('reports a non-2xx answer as an error result with the body', async () => {
    const rt = runtime();
    const registered = await rt.register(addMember(`${server.url}/missing/{list_id}`));
    const outcome = await runToolCall(rt.deps, { subtaskId: randomUUID(), position: 0, round: 0, callId: `call-0`, tool: rt.catalog([registered]).get('crm_add_member')!, arguments: { list_id: 'x', email: 'ada@example.com' } });
    expect(outcome.result).toMatchObject({ ok: false, error: 'the service answered 404' });
    expect(outcome.result.content).toContain('no such list');
  });

  it('never lets a secret value out, even when the service echoes it', async () => {
    const rt = runtime();
    const registered = await rt.register(addMember(`${server.url}/echo-auth/{list_id}`));
    const outcome = await runToolCall(rt.deps, { subtaskId: randomUUID(), position: 0, round: 0, callId: `call-0`, tool: rt.catalog([registered]).get('crm_add_member')!, arguments: { list_id: 'x', email: 'ada@example.com' } });
    expect(server.requests[0]?.headers.authorization).toBe(SECRET);
    expect(outcome.result.ok).toBe(true);
    const everything = JSON.stringify([outcome, await rt.journal.list(outcome.record.subtaskId), registered]);
    expect(everything).not.toContain(SECRET);
    expect(outcome.result.content).toContain('[redacted secret]');
  });

  it('refuses at registration: an unconfigured secret, an invalid schema, a refused host, a placeholder in the host', async () => {
    const rt = toolTestRuntime();
    await expect(rt.register(addMember(`${server.url}/lists/{list_id}`))).rejects.toThrow(/secret CRM_TOKEN is not configured/);
    const withSecret = runtime();
    const badSchema = { ...addMember(`${server.url}/lists/{list_id}`), input_schema: { type: 'object', properties: { list_id: { type: 'strin' } }, required: ['list_id'] } };
    await expect(withSecret.register(badSchema)).rejects.toThrow(ValidationError);
    const typo = { ...addMember(`${server.url}/lists/{list_id}`), input_schema: { type: 'object', properties: { list_id: { type: 'string' } }, requried: ['list_id'], required: ['list_id'] } };
    await expect(withSecret.register(typo)).rejects.toThrow(/requried/);
    const strictPolicy = toolTestRuntime({ env: { MESH_SECRET_CRM_TOKEN: SECRET }, policy: { allowedHosts: [] } });
    await expect(strictPolicy.register(addMember('http://10.0.0.7/lists/{list_id}'))).rejects.toThrow(/must point to a public host/);
    await expect(withSecret.register(addMember('http://{list_id}.example.com/x'))).rejects.toThrow(/not in the host/);
  });

  it('refuses a placeholder that is not a required input property', async () => {
    const rt = runtime();
    await expect(rt.register(addMember(`${server.url}/lists/{list}`))).rejects.toThrow(/placeholder \{list\} must be a required property/);
  });
});
