import { z } from 'zod';
import { nullLogger } from '@mesh/observability';
import { createLlmClient, type LlmClient } from './llm-client';
import { attemptCollector, configFrom, createLlmTestKit, liveEnv, type LlmTestKit } from './__tests__/llm-test-kit';

const Plan = z.object({
  title: z.string().min(1).max(80),
  steps: z.array(z.object({ key: z.string().min(1).max(40), description: z.string().min(1) })).min(1),
  confidence: z.number().min(0).max(1),
  owner: z.string().nullable(),
});

let kit: LlmTestKit;

beforeAll(async () => {
  kit = await createLlmTestKit();
});

afterAll(async () => {
  await kit.cleanup();
});

beforeEach(() => kit.server.reset());

function clientFor(model: string): { client: LlmClient; hooks: ReturnType<typeof attemptCollector> } {
  const hooks = attemptCollector();
  const client = createLlmClient({
    config: configFrom(liveEnv(kit.server, { MESH_MODEL_CHAIN: model })),
    redis: kit.redis,
    keyPrefix: kit.freshPrefix(),
    logger: nullLogger,
    onAttempt: hooks.onAttempt,
    recorder: hooks.recorder,
  });
  return { client, hooks };
}

describe.each([
  ['anthropic', 'anthropic:claude-sonnet-5-5', 'claude-sonnet-5-5'],
  ['openai', 'openai:gpt-5.6-sol', 'gpt-5.6-sol'],
  ['google', 'google:gemini-3.8-flash', 'gemini-3.8-flash'],
] as const)('%s through its real SDK against the fake server', (provider, ref, modelId) => {
  it('answers plain text', async () => {
    const { client } = clientFor(ref);
    const response = await client.complete({ system: 'You are terse.', messages: [{ role: 'user', content: 'Describe the launch plan for Atlas' }], temperature: 0.3, maxTokens: 300 });
    expect(response.provider).toBe(provider);
    expect(response.model).toBe(modelId);
    expect(response.simulated).toBe(false);
    expect(response.text).toContain('Describe the launch plan for Atlas');
    expect(response.object).toBeUndefined();
    expect(response.usage.inputTokens).toBeGreaterThan(0);
    expect(response.usage.outputTokens).toBeGreaterThan(0);
    expect(response.attempts).toHaveLength(1);
    expect(kit.server.requestsFor(provider)).toHaveLength(1);
    expect(kit.server.requestsFor(provider)[0]?.mode).toBe('text');
  });

  it('answers structured output through the native JSON-schema mode, validated by zod', async () => {
    const { client, hooks } = clientFor(ref);
    const response = await client.complete({
      system: 'Plan the work.',
      messages: [{ role: 'user', content: 'Plan a newsletter campaign' }],
      schema: { name: 'plan', zod: Plan, description: 'A plan' },
      purpose: 'plan',
      context: { taskId: 'task-1' },
    });
    expect(Plan.parse(response.object)).toEqual(response.object);
    expect(response.object?.steps.length).toBeGreaterThan(0);
    const [request] = kit.server.requestsFor(provider);
    expect(request?.mode).toBe('json_schema');
    await response.recorded;
    expect(hooks.recorder.calls).toHaveLength(1);
    expect(hooks.recorder.calls[0]?.context).toEqual({ taskId: 'task-1', purpose: 'plan' });
    expect(hooks.attempts[0]).toMatchObject({ provider, model: modelId, outcome: 'success', chainPosition: 0, attempt: 1, kind: 'call', purpose: 'plan' });
  });
});

describe('wire details', () => {
  it('anthropic: output_config.format json_schema, max_tokens, no temperature (current models reject it)', async () => {
    const { client } = clientFor('anthropic:claude-sonnet-5-5');
    await client.complete({ system: 'S', messages: [{ role: 'user', content: 'x' }], schema: { name: 'plan', zod: Plan }, temperature: 0.2, maxTokens: 123 });
    const body = kit.server.requestsFor('anthropic')[0]?.body as Record<string, any>;
    expect(body.output_config.format.type).toBe('json_schema');
    expect(body.output_config.format.schema.type).toBe('object');
    expect(body.output_config.format.schema.additionalProperties).toBe(false);
    expect(body.max_tokens).toBe(123);
    expect(body.system).toBe('S');
    expect(body).not.toHaveProperty('temperature');
  });

  it('openai: response_format json_schema (strict), max_completion_tokens, no temperature for reasoning models', async () => {
    const { client } = clientFor('openai:gpt-5.6-sol');
    await client.complete({ system: 'S', messages: [{ role: 'user', content: 'x' }], schema: { name: 'plan', zod: Plan }, temperature: 0.2, maxTokens: 77 });
    const body = kit.server.requestsFor('openai')[0]?.body as Record<string, any>;
    expect(body.response_format.type).toBe('json_schema');
    expect(body.response_format.json_schema).toMatchObject({ name: 'plan', strict: true });
    expect(body.response_format.json_schema.schema.required).toEqual(['title', 'steps', 'confidence', 'owner']);
    // Constraints OpenAI's strict mode rejects move into descriptions; zod still enforces them.
    expect(JSON.stringify(body.response_format.json_schema.schema)).not.toContain('"maxLength"');
    expect(body.max_completion_tokens).toBe(77);
    expect(body).not.toHaveProperty('temperature');
    expect(body.messages[0]).toEqual({ role: 'system', content: 'S' });
  });

  it('openai-compatible local model ids get max_tokens and temperature', async () => {
    const { client } = clientFor('openai:llama3.1:8b');
    const response = await client.complete({ system: 'S', messages: [{ role: 'user', content: 'x' }], temperature: 0.2, maxTokens: 50 });
    expect(response.model).toBe('llama3.1:8b');
    const body = kit.server.requestsFor('openai')[0]?.body as Record<string, any>;
    expect(body.model).toBe('llama3.1:8b');
    expect(body.max_tokens).toBe(50);
    expect(body.temperature).toBe(0.2);
  });

  it('google: responseJsonSchema with application/json, systemInstruction, temperature', async () => {
    const { client } = clientFor('google:gemini-3.8-flash');
    await client.complete({ system: 'S', messages: [{ role: 'user', content: 'x' }], schema: { name: 'plan', zod: Plan }, temperature: 0.4, maxTokens: 99 });
    const [request] = kit.server.requestsFor('google');
    expect(request?.path).toBe('/v1beta/models/gemini-3.8-flash:generateContent');
    const body = request?.body as Record<string, any>;
    expect(body.generationConfig.responseMimeType).toBe('application/json');
    expect(body.generationConfig.responseJsonSchema.type).toBe('object');
    expect(body.generationConfig.maxOutputTokens).toBe(99);
    expect(body.generationConfig.temperature).toBe(0.4);
    expect(body.systemInstruction.parts[0].text).toBe('S');
  });

  it('tolerates fenced JSON in a structured answer', async () => {
    const { client } = clientFor('openai:gpt-5.6-sol');
    kit.server.respondWith('openai', () => 'Here you go:\n```json\n{"title":"T","steps":[{"key":"a","description":"d"}],"confidence":0.5,"owner":null}\n```');
    const response = await client.complete({ system: 'S', messages: [{ role: 'user', content: 'x' }], schema: { name: 'plan', zod: Plan } });
    expect(response.object).toEqual({ title: 'T', steps: [{ key: 'a', description: 'd' }], confidence: 0.5, owner: null });
    expect(response.attempts).toHaveLength(1);
  });
});
