import { z } from 'zod';
import { nullLogger } from '@mesh/observability';
import type { FakeAnswer, FakeProviderName, FakeToolCall } from '../../testing/src/fake-provider';
import type { CompletionRequest, CompletionResponse } from './completion';
import type { ConversationMessage, ToolDefinition } from './conversation';
import { createLlmClient, type LlmClient } from './llm-client';
import { SKIP_THOUGHT_SIGNATURE } from './providers/google-provider';
import { attemptCollector, configFrom, createLlmTestKit, liveEnv, type LlmTestKit } from './__tests__/llm-test-kit';

// One model call carries a tool conversation through each real SDK against the fake server:
// the tools go out in the provider's format, its tool calls come back neutral (names decoded),
// and the results go back in the format of whichever model of the chain takes the next turn.

let kit: LlmTestKit;

beforeAll(async () => {
  kit = await createLlmTestKit();
});

afterAll(async () => {
  await kit.cleanup();
});

beforeEach(() => kit.server.reset());

const REFS = { anthropic: 'anthropic:claude-sonnet-5-5', openai: 'openai:gpt-5.6-sol', google: 'google:gemini-3.8-flash' } as const;

function clientFor(chain: string, env: Record<string, string> = {}): { client: LlmClient; hooks: ReturnType<typeof attemptCollector> } {
  const hooks = attemptCollector();
  const client = createLlmClient({
    config: configFrom(liveEnv(kit.server, { MESH_MODEL_CHAIN: chain, ...env })),
    redis: kit.redis,
    keyPrefix: kit.freshPrefix(),
    logger: nullLogger,
    onAttempt: hooks.onAttempt,
  });
  return { client, hooks };
}

const Report = z.object({ summary: z.string().min(1), clicks: z.number() });
type Report = z.infer<typeof Report>;

const statsSchema = { type: 'object', properties: { campaignId: { type: 'string' } }, required: ['campaignId'] };
const accountSchema = { type: 'object', properties: { accountId: { type: 'string' } }, required: ['accountId'] };
const tools: ToolDefinition[] = [
  { name: 'analytics.getCampaignStats', description: 'Click statistics of one campaign', inputSchema: statsSchema },
  { name: 'crm.lookup_account', description: 'One CRM account by id', inputSchema: accountSchema },
];

/** Turn 1 of the fake model: two parallel calls, named as a model names them (the wire names it was offered). */
const parallelCalls: FakeToolCall[] = [
  { name: 'analytics__getCampaignStats', arguments: { campaignId: 'spring-launch' } },
  { name: 'crm__lookup_account', arguments: { accountId: 'acme' } },
];
const finalReport: Report = { summary: 'The spring launch drew 42 clicks', clicks: 42 };

/** Calls tools while no result came back, then answers the report (as JSON text where the schema is not on the wire). */
const toolThenReport = (calls: FakeToolCall[] = parallelCalls) => (req: { toolResults: unknown[] }): FakeAnswer => (req.toolResults.length === 0 ? { toolCalls: calls } : { object: finalReport });

const question: ConversationMessage = { role: 'user', content: 'How did the spring launch do for Acme?' };

function request(messages: ConversationMessage[]): CompletionRequest<Report> {
  return { system: 'You report on campaigns.', messages, tools, schema: { name: 'report', zod: Report } };
}

/** What the mesh's tool loop will do: run the calls (the second one fails) and append the results. */
function withResults(messages: ConversationMessage[], turn: CompletionResponse<Report>): ConversationMessage[] {
  const [stats, account] = turn.toolCalls ?? [];
  if (!stats || !account) throw new Error('expected two tool calls');
  return [
    ...messages,
    { role: 'assistant', content: turn.text, toolCalls: turn.toolCalls ?? [] },
    { role: 'tool', toolCallId: stats.id, name: stats.name, content: '{"clicks":42}' },
    { role: 'tool', toolCallId: account.id, name: account.name, content: 'CRM unavailable', isError: true },
  ];
}

async function twoTurns(client: LlmClient) {
  const first = await client.complete(request([question]));
  const second = await client.complete(request(withResults([question], first)));
  return { first, second };
}

function body(provider: FakeProviderName, index: number): Record<string, any> {
  return kit.server.requestsFor(provider)[index]?.body as Record<string, any>;
}

describe.each(['anthropic', 'openai', 'google'] as const)('%s: a two-turn tool conversation through the real SDK', (provider) => {
  it('returns the parallel tool calls with decoded names, then the validated structured answer', async () => {
    kit.server.respondWith(provider, toolThenReport());
    const { client } = clientFor(REFS[provider]);
    const { first, second } = await twoTurns(client);

    expect(first.toolCalls?.map((c) => [c.name, c.arguments])).toEqual([
      ['analytics.getCampaignStats', { campaignId: 'spring-launch' }],
      ['crm.lookup_account', { accountId: 'acme' }],
    ]);
    expect(new Set(first.toolCalls?.map((c) => c.id)).size).toBe(2);
    expect(first).toMatchObject({ stopReason: 'tool_calls', provider });
    // A tool turn is not the answer: no object, no validation and so no repair.
    expect(first.object).toBeUndefined();
    expect(first.attempts.map((a) => [a.kind, a.outcome])).toEqual([['call', 'success']]);

    expect(second.object).toEqual(finalReport);
    expect(second.toolCalls).toBeUndefined();
    expect(second.stopReason).toBe('end');

    const [turn1, turn2] = kit.server.requestsFor(provider);
    expect(turn1?.tools.map((t) => t.name)).toEqual(['analytics__getCampaignStats', 'crm__lookup_account']);
    expect(turn2?.toolResults).toEqual([
      expect.objectContaining({ toolCallId: first.toolCalls?.[0]?.id, isError: false }),
      expect.objectContaining({ toolCallId: first.toolCalls?.[1]?.id, isError: provider !== 'openai' }),
    ]);
    expect(turn2?.toolCalls.map((c) => c.name)).toEqual(['analytics__getCampaignStats', 'crm__lookup_account']);
  });
});

describe('wire shapes of a tool conversation', () => {
  it('anthropic: tools with input_schema, tool_use blocks, both tool_result blocks in one user message, output_config alongside', async () => {
    kit.server.respondWith('anthropic', toolThenReport());
    const { first } = await twoTurns(clientFor(REFS.anthropic).client);
    const [stats, account] = first.toolCalls ?? [];
    const sent = body('anthropic', 1);
    expect(sent.tools).toEqual([
      { name: 'analytics__getCampaignStats', description: 'Click statistics of one campaign', input_schema: statsSchema },
      { name: 'crm__lookup_account', description: 'One CRM account by id', input_schema: accountSchema },
    ]);
    expect(sent.messages).toEqual([
      { role: 'user', content: question.content },
      {
        role: 'assistant',
        content: [
          { type: 'tool_use', id: stats?.id, name: 'analytics__getCampaignStats', input: { campaignId: 'spring-launch' } },
          { type: 'tool_use', id: account?.id, name: 'crm__lookup_account', input: { accountId: 'acme' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: stats?.id, content: '{"clicks":42}' },
          { type: 'tool_result', tool_use_id: account?.id, content: 'CRM unavailable', is_error: true },
        ],
      },
    ]);
    expect(sent.output_config.format.type).toBe('json_schema');
    expect(sent).not.toHaveProperty('tool_choice');
  });

  it('openai: function tools, assistant tool_calls with JSON-string arguments, one role tool message per result, response_format alongside', async () => {
    kit.server.respondWith('openai', toolThenReport());
    const { first } = await twoTurns(clientFor(REFS.openai).client);
    const [stats, account] = first.toolCalls ?? [];
    const sent = body('openai', 1);
    expect(sent.tools).toEqual([
      { type: 'function', function: { name: 'analytics__getCampaignStats', description: 'Click statistics of one campaign', parameters: statsSchema } },
      { type: 'function', function: { name: 'crm__lookup_account', description: 'One CRM account by id', parameters: accountSchema } },
    ]);
    expect(sent.messages).toEqual([
      { role: 'system', content: 'You report on campaigns.' },
      { role: 'user', content: question.content },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: stats?.id, type: 'function', function: { name: 'analytics__getCampaignStats', arguments: '{"campaignId":"spring-launch"}' } },
          { id: account?.id, type: 'function', function: { name: 'crm__lookup_account', arguments: '{"accountId":"acme"}' } },
        ],
      },
      { role: 'tool', tool_call_id: stats?.id, content: '{"clicks":42}' },
      // Chat Completions has no error flag: the content says it.
      { role: 'tool', tool_call_id: account?.id, content: 'Error: CRM unavailable' },
    ]);
    expect(sent.response_format.type).toBe('json_schema');
  });

  it('google: functionDeclarations with parametersJsonSchema, signed functionCall parts, functionResponse parts with {output}/{error}, the schema in the system instruction', async () => {
    kit.server.respondWith('google', toolThenReport());
    const { first } = await twoTurns(clientFor(REFS.google).client);
    const [stats, account] = first.toolCalls ?? [];
    // Gemini gave no ids: they are derived, and the first call carries the turn's signature.
    expect(stats?.id).toMatch(/^call_[0-9a-f]{24}$/);
    expect(stats?.thoughtSignature).toEqual(expect.any(String));
    const sent = body('google', 1);
    expect(sent.tools).toEqual([
      {
        functionDeclarations: [
          { name: 'analytics__getCampaignStats', description: 'Click statistics of one campaign', parametersJsonSchema: statsSchema },
          { name: 'crm__lookup_account', description: 'One CRM account by id', parametersJsonSchema: accountSchema },
        ],
      },
    ]);
    expect(sent.contents).toEqual([
      { role: 'user', parts: [{ text: question.content }] },
      {
        role: 'model',
        parts: [
          { functionCall: { id: stats?.id, name: 'analytics__getCampaignStats', args: { campaignId: 'spring-launch' } }, thoughtSignature: stats?.thoughtSignature },
          { functionCall: { id: account?.id, name: 'crm__lookup_account', args: { accountId: 'acme' } } },
        ],
      },
      {
        role: 'user',
        parts: [
          { functionResponse: { id: stats?.id, name: 'analytics__getCampaignStats', response: { output: '{"clicks":42}' } } },
          { functionResponse: { id: account?.id, name: 'crm__lookup_account', response: { error: 'CRM unavailable' } } },
        ],
      },
    ]);
    // Gemini 2.x refuses JSON mode together with function calling: the schema goes in the instruction.
    expect(sent.generationConfig).not.toHaveProperty('responseJsonSchema');
    expect(sent.generationConfig).not.toHaveProperty('responseMimeType');
    expect(sent.systemInstruction.parts[0].text).toContain('You report on campaigns.');
    expect(sent.systemInstruction.parts[0].text).toContain('"clicks"');
  });

  it('google: the same turn answered again gets the same derived ids', async () => {
    kit.server.respondWith('google', toolThenReport());
    const { client } = clientFor(REFS.google);
    const a = await client.complete(request([question]));
    const b = await client.complete(request([question]));
    expect(b.toolCalls?.map((c) => c.id)).toEqual(a.toolCalls?.map((c) => c.id));
  });

  it.each([
    ['anthropic', (sent: Record<string, any>) => expect(sent.tool_choice).toEqual({ type: 'none' })],
    ['openai', (sent: Record<string, any>) => expect(sent.tool_choice).toBe('none')],
    ['google', (sent: Record<string, any>) => expect(sent.toolConfig).toEqual({ functionCallingConfig: { mode: 'NONE' } })],
  ] as const)("%s: toolChoice 'none' goes out in the provider's form", async (provider, expectChoice) => {
    const { client } = clientFor(REFS[provider]);
    await client.complete({ system: 'S', messages: [question], tools, toolChoice: 'none' });
    expectChoice(body(provider, 0));
  });

  it.each(['anthropic', 'openai', 'google'] as const)('%s: an answer cut off at the token limit stops with max_tokens, a complete one with end', async (provider) => {
    kit.server.respondWith(provider, (req) => ({ text: 'A report that goes on and', truncated: req.lastUserText === 'long' }));
    const { client } = clientFor(REFS[provider]);
    expect((await client.complete({ system: 'S', messages: [{ role: 'user', content: 'long' }], tools })).stopReason).toBe('max_tokens');
    expect((await client.complete({ system: 'S', messages: [{ role: 'user', content: 'short' }], tools })).stopReason).toBe('end');
  });

  it('openai: arguments that are not JSON become a call with {} and malformedArguments; an error result lets the model go on', async () => {
    kit.server.respondWith('openai', toolThenReport([{ name: 'analytics__getCampaignStats', argumentsText: '{"campaignId": "spring' }]));
    const { client } = clientFor(REFS.openai);
    const first = await client.complete(request([question]));
    const [call] = first.toolCalls ?? [];
    expect(call).toMatchObject({ name: 'analytics.getCampaignStats', arguments: {}, malformedArguments: '{"campaignId": "spring' });
    const second = await client.complete(
      request([
        question,
        { role: 'assistant', content: first.text, toolCalls: first.toolCalls ?? [] },
        { role: 'tool', toolCallId: call?.id ?? '', name: call?.name ?? '', content: 'arguments were not valid JSON', isError: true },
      ]),
    );
    expect(second.object).toEqual(finalReport);
    expect(body('openai', 1).messages[2].tool_calls[0].function.arguments).toBe('{}');
  });

  it('refuses tools whose wire names would collide, before any request', async () => {
    const { client } = clientFor(REFS.openai);
    const clash: ToolDefinition[] = [tools[0]!, { ...tools[0]!, name: 'analytics__getCampaignStats' }];
    await expect(client.complete({ system: 'S', messages: [question], tools: clash })).rejects.toThrow('same wire name');
    expect(kit.server.requests).toHaveLength(0);
  });
});

describe('a fallback in the middle of a tool loop continues the same conversation', () => {
  async function anthropicStartsThenFails(chain: string) {
    kit.server.respondWith('anthropic', toolThenReport());
    const { client } = clientFor(chain, { MESH_LLM_RETRIES: '1' });
    const first = await client.complete(request([question]));
    expect(first.provider).toBe('anthropic');
    kit.server.inject('anthropic', { kind: 'status', status: 529 });
    const second = await client.complete(request(withResults([question], first)));
    expect(kit.server.requestsFor('anthropic').map((r) => r.status)).toEqual([200, 529, 529]);
    return { first, second };
  }

  it('anthropic → openai: OpenAI receives the tool calls and results in its own format and finishes', async () => {
    const { first, second } = await anthropicStartsThenFails(`${REFS.anthropic},${REFS.openai}`);
    const [stats, account] = first.toolCalls ?? [];
    expect(second).toMatchObject({ provider: 'openai', stopReason: 'end' });
    // The fake's own answer to the schema, about the last user text (tool results are not one).
    expect(Report.parse(second.object).summary).toContain('How did the spring launch do for Acme?');
    expect(second.attempts.map((a) => `${a.provider}:${a.outcome}`)).toEqual(['anthropic:error', 'anthropic:error', 'openai:success']);
    expect(body('openai', 0).messages).toEqual([
      { role: 'system', content: 'You report on campaigns.' },
      { role: 'user', content: question.content },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: stats?.id, type: 'function', function: { name: 'analytics__getCampaignStats', arguments: '{"campaignId":"spring-launch"}' } },
          { id: account?.id, type: 'function', function: { name: 'crm__lookup_account', arguments: '{"accountId":"acme"}' } },
        ],
      },
      { role: 'tool', tool_call_id: stats?.id, content: '{"clicks":42}' },
      { role: 'tool', tool_call_id: account?.id, content: 'Error: CRM unavailable' },
    ]);
    expect(stats?.id).toMatch(/^toolu_/);
  });

  it('anthropic → google: Gemini receives functionCall/functionResponse parts, the foreign calls marked as unsigned, and finishes', async () => {
    kit.server.respondWith('google', (req) => (req.toolResults.length > 0 ? { text: JSON.stringify(finalReport) } : undefined));
    const { first, second } = await anthropicStartsThenFails(`${REFS.anthropic},${REFS.google}`);
    const [stats, account] = first.toolCalls ?? [];
    expect(second).toMatchObject({ provider: 'google', object: finalReport, stopReason: 'end' });
    expect(body('google', 0).contents).toEqual([
      { role: 'user', parts: [{ text: question.content }] },
      {
        role: 'model',
        parts: [
          { functionCall: { id: stats?.id, name: 'analytics__getCampaignStats', args: { campaignId: 'spring-launch' } }, thoughtSignature: SKIP_THOUGHT_SIGNATURE },
          { functionCall: { id: account?.id, name: 'crm__lookup_account', args: { accountId: 'acme' } } },
        ],
      },
      {
        role: 'user',
        parts: [
          { functionResponse: { id: stats?.id, name: 'analytics__getCampaignStats', response: { output: '{"clicks":42}' } } },
          { functionResponse: { id: account?.id, name: 'crm__lookup_account', response: { error: 'CRM unavailable' } } },
        ],
      },
    ]);
  });

  it('google → anthropic: Anthropic receives tool_use/tool_result blocks with the derived ids', async () => {
    kit.server.respondWith('google', toolThenReport());
    const { client } = clientFor(`${REFS.google},${REFS.anthropic}`, { MESH_LLM_RETRIES: '0' });
    const first = await client.complete(request([question]));
    kit.server.inject('google', { kind: 'status', status: 503 });
    const second = await client.complete(request(withResults([question], first)));
    expect(second.provider).toBe('anthropic');
    expect(Report.parse(second.object)).toEqual(second.object);
    const sent = body('anthropic', 0);
    expect(sent.messages[1].content.map((b: { id: string }) => b.id)).toEqual(first.toolCalls?.map((c) => c.id));
    expect(sent.messages[2].content.map((b: { tool_use_id: string }) => b.tool_use_id)).toEqual(first.toolCalls?.map((c) => c.id));
  });
});
