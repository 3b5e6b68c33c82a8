import { randomUUID } from 'node:crypto';
import { ValidationError } from '@mesh/core';
import { json, startHttpServer, type HttpTestServer } from './__tests__/http-test-server';
import { toolTestRuntime } from './__tests__/tool-test-runtime';
import { OutboundRefusedError, ToolSourceError } from './errors';
import { runToolCall } from './run-tool-call';
import { toolCallIdempotencyKey } from './tool-call-idempotency-key';

/** A small analytics service, as SEED.md's Analytics Service would describe itself. */
function analyticsDocument(serverUrl: string): Record<string, unknown> {
  return {
    openapi: '3.0.3',
    info: { title: 'Analytics', version: '1.0.0' },
    servers: [{ url: `${serverUrl}/v1` }],
    paths: {
      '/campaigns/{campaign_id}/metrics': {
        parameters: [{ name: 'campaign_id', in: 'path', required: true, schema: { type: 'string' } }],
        get: {
          operationId: 'getCampaignMetrics',
          summary: 'Open and click rates of a campaign',
          parameters: [
            { name: 'period', in: 'query', schema: { type: 'string', enum: ['day', 'week', 'month'] } },
            { name: 'X-Tenant', in: 'header', required: true, schema: { type: 'string' } },
          ],
          responses: { '200': { description: 'Metrics', content: { 'application/json': { schema: { $ref: '#/components/schemas/Metrics' } } } } },
        },
      },
      '/reports': {
        post: {
          operationId: 'createReport',
          summary: 'Creates a report',
          // Set by Agent Mesh on every side-effecting call, never asked of the model.
          parameters: [{ name: 'Idempotency-Key', in: 'header', required: true, schema: { type: 'string' } }],
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/ReportRequest' } } } },
          responses: { '201': { description: 'Created' } },
        },
      },
      '/health': { get: { operationId: 'health', responses: { '200': { description: 'ok' } } } },
    },
    components: {
      schemas: {
        Metrics: { type: 'object', properties: { open_rate: { type: 'number' }, click_rate: { type: 'number' } } },
        ReportRequest: {
          type: 'object',
          required: ['campaign_ids'],
          properties: { campaign_ids: { type: 'array', items: { type: 'string' }, minItems: 1 }, title: { type: 'string', nullable: true } },
          additionalProperties: false,
        },
      },
    },
  };
}

describe('OpenAPI services', () => {
  let server: HttpTestServer;

  beforeEach(async () => {
    server = await startHttpServer((req, res) => {
      const metrics = /^\/v1\/campaigns\/([^/?]+)\/metrics(\?.*)?$/.exec(req.url);
      if (metrics) json(res, 200, { campaign: decodeURIComponent(metrics[1] ?? ''), query: metrics[2] ?? '', tenant: req.headers['x-tenant'], open_rate: 0.42, click_rate: 0.07 });
      else if (req.url === '/v1/reports' && req.method === 'POST') json(res, 201, { report_id: 'r-1', request: JSON.parse(req.body) });
      else if (req.url === '/openapi.json') json(res, 200, analyticsDocument(server.url));
      else if (req.url === '/broken.json') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{\n  "openapi": "3.0.3",\n  "info": {"title": "x",, "version": "1"}\n}');
      } else json(res, 404, { error: 'not found' });
    });
  });

  afterEach(() => server.close());

  it('turns each operation into <name>.<operationId> with an input schema from its parameters and body', async () => {
    const rt = toolTestRuntime();
    const registered = await rt.register({ kind: 'openapi', name: 'analytics', document: analyticsDocument(server.url) });
    expect(registered.tools.map((t) => [t.name, t.side_effects])).toEqual([
      ['analytics.getCampaignMetrics', false],
      ['analytics.createReport', true],
      ['analytics.health', false],
    ]);
    const metrics = registered.tools[0]!;
    expect(metrics.description).toBe('Open and click rates of a campaign');
    expect(metrics.input_schema).toMatchObject({
      type: 'object',
      properties: { campaign_id: { type: 'string' }, period: { enum: ['day', 'week', 'month'] }, 'X-Tenant': { type: 'string' } },
      required: ['campaign_id', 'X-Tenant'],
      additionalProperties: false,
    });
    expect(registered.tools[1]?.input_schema).toMatchObject({ properties: { body: { required: ['campaign_ids'] } }, required: ['body'] });
    expect(Object.keys((registered.tools[1]?.input_schema as { properties: object }).properties)).toEqual(['body']);
  });

  it('exposes only the listed operations, and refuses one the document does not have', async () => {
    const rt = toolTestRuntime();
    const registered = await rt.register({ kind: 'openapi', name: 'analytics', document: analyticsDocument(server.url), operations: ['createReport'] });
    expect(registered.tools.map((t) => t.name)).toEqual(['analytics.createReport']);
    await expect(rt.register({ kind: 'openapi', name: 'analytics', document: analyticsDocument(server.url), operations: ['deleteEverything'] })).rejects.toThrow(/no operation deleteEverything/);
  });

  it('calls operations: path, query and header parameters, JSON body, Idempotency-Key only on side effects', async () => {
    const rt = toolTestRuntime();
    const registered = await rt.register({ kind: 'openapi', name: 'analytics', document: analyticsDocument(server.url), headers: { 'x-api-version': '2' } });
    const catalog = rt.catalog([registered]);
    const subtaskId = randomUUID();
    const read = await runToolCall(rt.deps, { subtaskId, position: 0, round: 0, callId: `call-0`, tool: catalog.get('analytics.getCampaignMetrics')!, arguments: { campaign_id: 'spring/sale', period: 'week', 'X-Tenant': 'acme' } });
    expect(read.result.ok).toBe(true);
    expect(read.result.data).toEqual({ campaign: 'spring/sale', query: '?period=week', tenant: 'acme', open_rate: 0.42, click_rate: 0.07 });
    expect(server.requests[0]?.url).toBe('/v1/campaigns/spring%2Fsale/metrics?period=week');
    expect(server.requests[0]?.headers['x-api-version']).toBe('2');
    expect(server.requests[0]?.headers['idempotency-key']).toBeUndefined();

    const write = await runToolCall(rt.deps, { subtaskId, position: 1, round: 0, callId: `call-1`, tool: catalog.get('analytics.createReport')!, arguments: { body: { campaign_ids: ['c1'], title: null } } });
    expect(write.result).toMatchObject({ ok: true, data: { report_id: 'r-1', request: { campaign_ids: ['c1'], title: null } } });
    expect(server.requests[1]?.method).toBe('POST');
    expect(server.requests[1]?.headers['content-type']).toBe('application/json');
    expect(server.requests[1]?.headers['idempotency-key']).toBe(toolCallIdempotencyKey(subtaskId, 1));
  });

  it('checks arguments against the derived schema before calling', async () => {
    const rt = toolTestRuntime();
    const registered = await rt.register({ kind: 'openapi', name: 'analytics', document: analyticsDocument(server.url) });
    const outcome = await runToolCall(rt.deps, { subtaskId: randomUUID(), position: 0, round: 0, callId: `call-0`, tool: rt.catalog([registered]).get('analytics.createReport')!, arguments: { body: { campaign_ids: [] } } });
    expect(outcome.result.ok).toBe(false);
    expect(outcome.result.error).toMatch(/arguments\/body\/campaign_ids must NOT have fewer than 1 items/);
    expect(server.requests).toHaveLength(0);
  });

  it('fetches document_url through the policy, and uses base_url over the document servers', async () => {
    const rt = toolTestRuntime();
    const fromDocument = await rt.register({ kind: 'openapi', name: 'analytics', document_url: `${server.url}/openapi.json`, operations: ['health'] });
    expect(fromDocument.tools[0]?.binding).toMatchObject({ kind: 'openapi', base_url: `${server.url}/v1`, method: 'GET', path: '/health' });
    const overridden = await rt.register({ kind: 'openapi', name: 'analytics', document_url: `${server.url}/openapi.json`, base_url: `${server.url}/v2`, operations: ['health'] });
    expect(overridden.tools[0]?.binding).toMatchObject({ base_url: `${server.url}/v2` });
    expect(server.requests.filter((r) => r.url === '/openapi.json')).toHaveLength(2);
    const refusing = toolTestRuntime({ policy: { allowedHosts: [] } });
    await expect(refusing.register({ kind: 'openapi', name: 'analytics', document_url: `${server.url}/openapi.json` })).rejects.toThrow(OutboundRefusedError);
  });

  it('says where an inline document does not parse (400)', async () => {
    const rt = toolTestRuntime();
    const document = analyticsDocument(server.url);
    const paths = document.paths as Record<string, Record<string, Record<string, unknown>>>;
    paths['/health']!.get!.parameters = [{ name: 'verbose', in: 'body-ish', schema: { type: 'boolean' } }];
    const error = await rt.register({ kind: 'openapi', name: 'analytics', document }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).status).toBe(400);
    // The parser's message points at the offending line of the document.
    expect((error as ValidationError).message).toMatch(/"in": "body-ish"/);
    expect((error as ValidationError).details).toEqual([expect.objectContaining({ path: 'tool.document' })]);
  });

  it('says where a document at document_url is not JSON (422)', async () => {
    const rt = toolTestRuntime();
    const error = await rt.register({ kind: 'openapi', name: 'analytics', document_url: `${server.url}/broken.json` }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ToolSourceError);
    expect((error as ToolSourceError).status).toBe(422);
    expect((error as ToolSourceError).message).toMatch(/line 3, column 25/);
    const missing = await rt.register({ kind: 'openapi', name: 'analytics', document_url: `${server.url}/nothing.json` }).catch((err: unknown) => err);
    expect(missing).toBeInstanceOf(ToolSourceError);
    expect((missing as ToolSourceError).message).toMatch(/answered 404/);
  });

  it('refuses a document that is not OpenAPI 3, and a broken reference', async () => {
    const rt = toolTestRuntime();
    await expect(rt.register({ kind: 'openapi', name: 'analytics', document: { swagger: '2.0', info: { title: 'x', version: '1' }, paths: {} } })).rejects.toThrow(/OpenAPI 3\.0 or 3\.1/);
    const document = analyticsDocument(server.url);
    (document.components as { schemas: Record<string, unknown> }).schemas = {};
    await expect(rt.register({ kind: 'openapi', name: 'analytics', document })).rejects.toThrow(/Metrics/);
  });
});
