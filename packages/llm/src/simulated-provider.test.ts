import { z } from 'zod';
import { AgentOutput, CoordinatorDecision, FinalSynthesis } from '@mesh/core';
import { nullLogger } from '@mesh/observability';
import type { ConversationMessage, ToolDefinition } from './conversation';
import { createLlmClient, type LlmClient } from './llm-client';
import type { SimulatedResponder } from './providers/simulated-provider';
import { attemptCollector, configFrom, createLlmTestKit, type LlmTestKit } from './__tests__/llm-test-kit';

let kit: LlmTestKit;

beforeAll(async () => {
  kit = await createLlmTestKit();
});

afterAll(async () => {
  await kit.cleanup();
});

function simulated(env: Record<string, string> = {}, responders?: Record<string, SimulatedResponder>) {
  const hooks = attemptCollector();
  const client: LlmClient = createLlmClient({
    config: configFrom({ MESH_SIM_LATENCY_MS: '0', ...env }),
    redis: kit.redis,
    keyPrefix: kit.keyPrefix,
    logger: nullLogger,
    recorder: hooks.recorder,
    ...(responders ? { responders } : {}),
  });
  return { client, hooks };
}

const task = { system: 'You are the content agent.', messages: [{ role: 'user' as const, content: 'Draft a product launch announcement for the Aurora smartwatch' }] };

it("stores a tool-calling turn's attempts after what the caller starts with it, and an answer's at once", async () => {
  const { client, hooks } = simulated();
  const order: string[] = [];
  const record = hooks.recorder.record.bind(hooks.recorder);
  hooks.recorder.record = async (...args) => {
    order.push('stored');
    await record(...args);
  };
  const tools: ToolDefinition[] = [{ name: 'lookup_metrics', description: 'Reads a campaign’s metrics', inputSchema: { type: 'object', properties: { campaign: { type: 'string' } } } }];
  const turn = await client.complete({ ...task, tools });
  expect(turn.toolCalls?.map((c) => c.name)).toEqual(['lookup_metrics']);
  // What the caller does next (the tool calls' requests) is under way before the rows are written.
  order.push('caller');
  await Promise.resolve();
  order.push('caller, a microtask on');
  await turn.recorded;
  expect(order).toEqual(['caller', 'caller, a microtask on', 'stored']);
  // An answer's rows go at once: its caller awaits them beside its own write.
  order.length = 0;
  const answer = await client.complete(task);
  order.push('caller');
  await answer.recorded;
  expect(order).toEqual(['stored', 'caller']);
  expect(hooks.recorder.calls).toHaveLength(2);
});

it('is the default when no provider key is set, and says so everywhere', async () => {
  const { client, hooks } = simulated();
  expect(client.chainFor('gpt-4o').map((m) => m.ref)).toEqual(['simulated:simulated']);
  const response = await client.complete(task);
  expect(response).toMatchObject({ provider: 'simulated', model: 'simulated', simulated: true, costUsd: 0 });
  expect(response.attempts).toEqual([expect.objectContaining({ provider: 'simulated', simulated: true, outcome: 'success', costUsd: 0 })]);
  await response.recorded;
  expect(hooks.recorder.calls[0]?.attempts[0]?.simulated).toBe(true);
  expect((await client.health()).mode).toBe('simulated');
  expect((await client.health()).providers['simulated']).toEqual({ configured: true, circuit: 'closed', models: {} });
  expect(kit.server.requests).toHaveLength(0);
});

it('MESH_LLM_PROVIDER=simulated wins over keys', () => {
  const { client } = simulated({ MESH_LLM_PROVIDER: 'simulated', OPENAI_API_KEY: 'sk-test-123456789' });
  expect(client.chainFor(null).map((m) => m.provider)).toEqual(['simulated']);
});

it('plain text starts with [simulated], is about the task, and is deterministic', async () => {
  const { client } = simulated();
  const a = await client.complete(task);
  const b = await client.complete(task);
  const other = await client.complete({ ...task, messages: [{ role: 'user', content: 'Summarise quarterly churn analytics for the retail segment' }] });
  expect(a.text).toMatch(/^\[simulated\] /);
  expect(a.text).toMatch(/aurora/i);
  expect(b.text).toBe(a.text);
  expect(other.text).not.toBe(a.text);
  expect(other.text).toMatch(/churn/);
  // Tokens are estimated as characters / 4.
  expect(a.usage.outputTokens).toBe(Math.ceil(a.text.length / 4));
  expect(a.usage.inputTokens).toBe(Math.ceil((task.system + task.messages[0]!.content).length / 4));
});

it.each([
  ['CoordinatorDecision', CoordinatorDecision],
  ['AgentOutput', AgentOutput],
  ['FinalSynthesis', FinalSynthesis],
] as const)('answers the mesh schema %s with a valid, task-related value, the same each time', async (name, schema) => {
  const { client } = simulated();
  const request = { ...task, schema: { name, zod: schema as z.ZodType<unknown> } };
  const a = await client.complete(request);
  const b = await client.complete(request);
  expect(schema.parse(a.object)).toEqual(a.object);
  expect(b.object).toEqual(a.object);
  expect(JSON.stringify(a.object)).toMatch(/aurora|smartwatch/i);
  expect(a.attempts).toHaveLength(1);
});

it('uses a registered responder for its schema name', async () => {
  const seen: { schemaName: string; seed: number; jsonSchema: unknown }[] = [];
  const responder: SimulatedResponder = (req) => {
    seen.push({ schemaName: req.schemaName, seed: req.seed, jsonSchema: req.jsonSchema });
    return { reasoning: 'domain', result: `done: ${req.messages.at(-1)?.content}`, confidence: 0.9, suggested_memories: [] };
  };
  const { client } = simulated({}, { agent_output: responder });
  const response = await client.complete({ ...task, schema: { name: 'agent_output', zod: AgentOutput } });
  expect(response.object?.result).toBe('done: Draft a product launch announcement for the Aurora smartwatch');
  expect(seen[0]?.schemaName).toBe('agent_output');
  expect(typeof seen[0]?.seed).toBe('number');
  expect((seen[0]?.jsonSchema as { type?: string }).type).toBe('object');
});

it('sleeps the configured latency, and an abort cuts it short', async () => {
  const { client } = simulated({ MESH_SIM_LATENCY_MS: '400' });
  const started = Date.now();
  await client.complete(task);
  expect(Date.now() - started).toBeGreaterThanOrEqual(380);
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 50);
  const abortedAt = Date.now();
  const error = await client.complete({ ...task, signal: controller.signal }).catch((e: unknown) => e);
  expect((error as Error).name).toBe('AbortError');
  expect(Date.now() - abortedAt).toBeLessThan(350);
});

describe('tool use', () => {
  const tools: ToolDefinition[] = [
    { name: 'analytics.getCampaignStats', description: 'Stats', inputSchema: { type: 'object', properties: { campaignId: { type: 'string' }, days: { type: 'integer', minimum: 1, maximum: 30 } }, required: ['campaignId', 'days'] } },
    { name: 'crm.lookup_account', description: 'Account', inputSchema: { type: 'object', properties: { accountId: { type: 'string', format: 'uuid' } }, required: ['accountId'] } },
    { name: 'web.search', description: 'Search', inputSchema: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] } },
    { name: 'mail.send', description: 'Send', inputSchema: { type: 'object', properties: { to: { type: 'string', format: 'email' } }, required: ['to'] } },
  ];

  it('calls each offered tool once (at most three), arguments sampled from their schemas, the same each time', async () => {
    const { client } = simulated();
    const request = { ...task, tools, schema: { name: 'agent_output', zod: AgentOutput } };
    const a = await client.complete(request);
    const b = await client.complete(request);
    expect(a.toolCalls?.map((c) => c.name)).toEqual(['analytics.getCampaignStats', 'crm.lookup_account', 'web.search']);
    expect(a.toolCalls).toEqual(b.toolCalls);
    expect(new Set(a.toolCalls?.map((c) => c.id)).size).toBe(3);
    const [stats, account, search] = a.toolCalls ?? [];
    expect(stats?.arguments).toEqual({ campaignId: expect.any(String), days: expect.any(Number) });
    expect(stats?.arguments['days']).toBeGreaterThanOrEqual(1);
    expect(stats?.arguments['days']).toBeLessThanOrEqual(30);
    expect(account?.arguments['accountId']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4/);
    expect(search?.arguments['query']).toMatch(/aurora|smartwatch/i);
    expect(a).toMatchObject({ stopReason: 'tool_calls', simulated: true });
    expect(a.object).toBeUndefined();
    expect(a.text).toMatch(/^\[simulated\] /);
  });

  it('answers as without tools once the conversation holds tool results, through the responder of its schema name', async () => {
    const seen: { role: string; content: string }[][] = [];
    const responder: SimulatedResponder = (req) => {
      seen.push(req.messages);
      return { reasoning: 'domain', result: 'done with the tools', confidence: 0.9, suggested_memories: [] };
    };
    const { client } = simulated({}, { agent_output: responder });
    const schema = { name: 'agent_output', zod: AgentOutput };
    const first = await client.complete({ ...task, tools, schema });
    expect(seen).toHaveLength(0);
    const messages: ConversationMessage[] = [
      ...task.messages,
      { role: 'assistant', content: first.text, toolCalls: first.toolCalls ?? [] },
      ...(first.toolCalls ?? []).map((c): ConversationMessage => ({ role: 'tool', toolCallId: c.id, name: c.name, content: `result of ${c.name}` })),
    ];
    const second = await client.complete({ ...task, messages, tools, schema });
    expect(second).toMatchObject({ stopReason: 'end', object: { result: 'done with the tools' } });
    expect(second.toolCalls).toBeUndefined();
    expect(seen[0]?.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'tool', 'tool']);

    const text = await client.complete({ ...task, messages, tools });
    expect(text.text).toMatch(/^\[simulated\] This answer addresses/);
  });

  it("calls no tool with toolChoice 'none'", async () => {
    const { client } = simulated();
    const response = await client.complete({ ...task, tools, toolChoice: 'none' });
    expect(response.toolCalls).toBeUndefined();
    expect(response.text).toMatch(/^\[simulated\] This answer addresses/);
  });
});
