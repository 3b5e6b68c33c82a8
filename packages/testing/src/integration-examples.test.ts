import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { RegisteredTool, ToolSpec, type ToolSpecInput } from '@mesh/core';
import { sampleJsonSchema, seededRandom } from '@mesh/llm';
import {
  createToolDispatcher,
  deriveTools,
  InMemoryToolCallJournal,
  JsonSchemaValidator,
  OutboundPolicy,
  runToolCall,
  secretResolverFromEnv,
  toolCallIdempotencyKey,
  ToolCatalog,
  type CatalogTool,
} from '@mesh/tools';
import { launch, REPO_ROOT, type LaunchedProcess } from './process-launcher';

/**
 * The example OpenAPI documents of SEED.md's Analytics, Campaign and User services
 * (examples/integrations/) are parsed by the tool layer as a registration would parse them, and
 * every derived tool is called against the example service started as its own process, through
 * the dispatcher and the journal the worker uses. The examples cannot rot without this failing.
 */
const EXAMPLES = join(REPO_ROOT, 'examples', 'integrations');
const SERVICE_KEY = 'example-service-key-0123456789';
const SECRET_NAME = 'MAILY_API_KEY';

const EXPECTED_TOOLS: Record<string, [string, boolean][]> = {
  analytics: [
    ['analytics.getCampaignMetrics', false],
    ['analytics.getAudienceBenchmarks', false],
    ['analytics.createReport', true],
  ],
  campaign: [
    ['campaign.listCampaigns', false],
    ['campaign.createCampaign', true],
    ['campaign.getCampaign', false],
    ['campaign.scheduleCampaign', true],
  ],
  user: [
    ['user.getUserPreferences', false],
    ['user.listSegments', false],
  ],
};

function readDocument(service: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(EXAMPLES, `${service}.openapi.json`), 'utf8')) as Record<string, unknown>;
}

interface ServiceRequest {
  operation: string | null;
  status: number;
  idempotency_key: string | null;
  replayed: boolean;
}

describe('the example integrations (examples/integrations)', () => {
  let service: LaunchedProcess;
  let serviceUrl: string;
  const policy = new OutboundPolicy({ allowedHosts: ['127.0.0.1'] });
  const validator = new JsonSchemaValidator();
  const secrets = secretResolverFromEnv({ [`MESH_SECRET_${SECRET_NAME}`]: SERVICE_KEY });
  const dispatcher = createToolDispatcher({ policy, validator, secrets });
  const registered: Record<string, RegisteredTool> = {};

  const register = async (input: ToolSpecInput): Promise<RegisteredTool> => {
    const spec = ToolSpec.parse(input);
    const { tools } = await deriveTools(spec, { policy, validator, secrets });
    return RegisteredTool.parse({ id: randomUUID(), network_id: randomUUID(), name: spec.name, kind: spec.kind, description: spec.description ?? '', spec, tools, created_at: new Date().toISOString() });
  };
  const tool = (name: string): CatalogTool => {
    const catalog = new ToolCatalog({ registered: Object.values(registered), builtins: [] });
    const found = catalog.get(name);
    if (!found) throw new Error(`no tool ${name}`);
    return found;
  };
  const requests = async (operation: string): Promise<ServiceRequest[]> => {
    const res = await fetch(`${serviceUrl}/_requests?operation=${operation}`);
    return ((await res.json()) as { requests: ServiceRequest[] }).requests;
  };

  beforeAll(async () => {
    service = launch('example-services', process.execPath, [join(EXAMPLES, 'analytics-service.mjs'), '--port', '0', '--api-key', SERVICE_KEY, '--quiet'], {});
    const line = await service.waitForLine(/"message":"listening"/, 10_000);
    serviceUrl = (JSON.parse(line) as { url: string }).url;
    for (const name of Object.keys(EXPECTED_TOOLS)) {
      registered[name] = await register({
        kind: 'openapi',
        name,
        document: readDocument(name),
        base_url: `${serviceUrl}/${name}`,
        headers: { 'X-Api-Key': { secret: SECRET_NAME } },
      });
    }
  });

  afterAll(async () => {
    await service?.stop(5_000);
  });

  it.each(Object.keys(EXPECTED_TOOLS))('derives one tool per operation of the %s document, side effects from the method', (name) => {
    expect(registered[name]!.tools.map((t) => [t.name, t.side_effects])).toEqual(EXPECTED_TOOLS[name]);
    for (const t of registered[name]!.tools) expect(t.description.length).toBeGreaterThan(10);
  });

  it('takes path and query parameters and the JSON body as the input schema', () => {
    expect(tool('analytics.getCampaignMetrics').input_schema).toMatchObject({
      type: 'object',
      required: ['campaign_id'],
      properties: { campaign_id: { type: 'string' }, period: { enum: ['last_7_days', 'last_30_days', 'last_90_days', 'all_time'] } },
      additionalProperties: false,
    });
    expect(tool('campaign.scheduleCampaign').input_schema).toMatchObject({
      required: ['campaign_id', 'body'],
      properties: { body: { type: 'object', required: ['send_at'], properties: { send_at: { format: 'date-time' } } } },
    });
  });

  it('serves each document with its server pointing at the process, so document_url registers the same tools', async () => {
    const fromUrl = await register({ kind: 'openapi', name: 'user', document_url: `${serviceUrl}/user/openapi.json`, headers: { 'X-Api-Key': { secret: SECRET_NAME } } });
    expect(fromUrl.tools.map((t) => [t.name, t.binding])).toEqual(registered.user!.tools.map((t) => [t.name, t.binding]));
  });

  it('answers every tool called with arguments sampled from its input schema, as the simulated provider calls them', async () => {
    const journal = new InMemoryToolCallJournal();
    const subtaskId = randomUUID();
    let position = 0;
    for (const name of Object.values(EXPECTED_TOOLS).flat().map(([n]) => n)) {
      const t = tool(name);
      for (const seed of [1, 2, 3]) {
        const args = sampleJsonSchema(t.input_schema, { rng: seededRandom(seed), keywords: ['email', 'campaign', 'launch', 'developers'] }) as Record<string, unknown>;
        const { result } = await runToolCall({ journal, dispatcher }, { subtaskId, position: position++, round: 0, callId: `call-${position}`, tool: t, arguments: args });
        // Made-up ids name no campaign of the Campaign service: a clear 404, which the model is given as an error.
        if (name === 'campaign.getCampaign' || name === 'campaign.scheduleCampaign') {
          expect(result).toMatchObject({ ok: false, error: 'the service answered 404' });
          expect(result.content).toContain('listCampaigns');
        } else {
          expect({ name, args, result: result.ok ? 'ok' : result.content }).toEqual({ name, args, result: 'ok' });
          expect(result.data).toEqual(expect.any(Object));
        }
        expect(result.content).not.toContain(SERVICE_KEY);
      }
    }
  });

  it('returns realistic data for the SEED.md campaign', async () => {
    const journal = new InMemoryToolCallJournal();
    const subtaskId = randomUUID();
    const call = (position: number, name: string, args: Record<string, unknown>) => runToolCall({ journal, dispatcher }, { subtaskId, position, round: 0, callId: `c${position}`, tool: tool(name), arguments: args });
    const metrics = await call(0, 'analytics.getCampaignMetrics', { campaign_id: 'cmp_spring_launch', period: 'last_30_days' });
    expect(metrics.result.data).toMatchObject({ campaign_id: 'cmp_spring_launch', campaign_name: 'Spring product launch', open_rate: expect.any(Number), click_rate: expect.any(Number) });
    const benchmarks = await call(1, 'analytics.getAudienceBenchmarks', { industry: 'technology', audience: 'Software developers and IT professionals' });
    expect(benchmarks.result.data).toMatchObject({ industry: 'technology', best_send_days: ['tuesday', 'wednesday'] });
    const segments = await call(2, 'user.listSegments', { interest: 'developer' });
    expect(segments.result.data).toMatchObject({ segments: [{ segment_id: 'seg_developers' }] });
    const draft = await call(3, 'campaign.createCampaign', { body: { name: 'TechPro X1 launch', subject: 'Meet TechPro X1', segment_id: 'seg_developers' } });
    const campaignId = (draft.result.data as { campaign_id: string }).campaign_id;
    const scheduled = await call(4, 'campaign.scheduleCampaign', { campaign_id: campaignId, body: { send_at: '2026-12-08T09:00:00Z', timezone: 'America/New_York' } });
    expect(scheduled.result.data).toMatchObject({ campaign_id: campaignId, status: 'scheduled', send_at: '2026-12-08T09:00:00.000Z' });
    const sent = await call(5, 'campaign.scheduleCampaign', { campaign_id: 'cmp_spring_launch', body: { send_at: '2026-12-08T09:00:00Z' } });
    expect(sent.result).toMatchObject({ ok: false, error: 'the service answered 409' });
  });

  it('refuses a call without the secret, and the service refuses a wrong key', async () => {
    const wrong = createToolDispatcher({ policy, validator, secrets: secretResolverFromEnv({ [`MESH_SECRET_${SECRET_NAME}`]: 'not-the-key-at-all' }) });
    const result = await wrong.execute({ tool: tool('user.listSegments'), arguments: {}, idempotencyKey: randomUUID() });
    expect(result).toMatchObject({ ok: false, error: 'the service answered 401' });
    await expect(deriveTools(ToolSpec.parse({ kind: 'openapi', name: 'user', document: readDocument('user'), headers: { 'X-Api-Key': { secret: 'NOT_CONFIGURED' } } }), { policy, validator, secrets })).rejects.toThrow(/NOT_CONFIGURED/);
  });

  it('makes a side effect once: a recorded call is replayed, an interrupted one repeated with the same key', async () => {
    const journal = new InMemoryToolCallJournal();
    const subtaskId = randomUUID();
    const createReport = tool('analytics.createReport');
    const args = { body: { title: 'Launch readiness', campaign_ids: ['cmp_spring_launch', 'cmp_webinar_march'] } };
    const before = (await requests('createReport')).length;

    // A worker recorded the call and sent it, then died before recording the outcome.
    const key = toolCallIdempotencyKey(subtaskId, 0);
    await journal.begin({ subtaskId, position: 0, round: 0, callId: 'c0', tool: createReport.name, arguments: args, idempotencyKey: key, sideEffects: true, startedAt: new Date() });
    const lost = await dispatcher.execute({ tool: createReport, arguments: args, idempotencyKey: key });
    expect(lost.ok).toBe(true);

    // The retried subtask finds the call running and repeats it with the same key: the service replays its answer.
    const resumed = await runToolCall({ journal, dispatcher }, { subtaskId, position: 0, round: 0, callId: 'c0', tool: createReport, arguments: args });
    expect(resumed.replayed).toBe(false);
    expect(resumed.record).toMatchObject({ status: 'completed', idempotencyKey: key });
    expect((resumed.result.data as { report_id: string }).report_id).toBe((lost.data as { report_id: string }).report_id);

    // Retried once more after the outcome was recorded: the journal answers, nothing is sent.
    const replayed = await runToolCall({ journal, dispatcher }, { subtaskId, position: 0, round: 0, callId: 'c0', tool: createReport, arguments: args });
    expect(replayed.replayed).toBe(true);

    const seen = (await requests('createReport')).slice(before);
    expect(seen.map((r) => [r.idempotency_key, r.replayed, r.status])).toEqual([
      [key, false, 201],
      [key, true, 201],
    ]);
  });
});
