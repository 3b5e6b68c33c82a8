import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { GoogleGenAI } from '@google/genai';
import { startFakeProviderServer, type FakeProviderServer } from '../../testing/src/fake-provider';

// The fake server itself, driven by the real SDKs directly: its tool-use forms, auth and
// control routes. (The client's own use of it is covered by the other tests.)
let server: FakeProviderServer;

beforeAll(async () => {
  server = await startFakeProviderServer({ apiKeys: { anthropic: 'good-key' } });
});

afterAll(async () => {
  await server.close();
});

beforeEach(() => server.reset());

// Under jest, @google/genai's default undici dispatcher is missing from the sandbox's global
// (plain Node processes have it); an explicit fetch, as GoogleProvider passes, avoids it.
const jestSafeFetch = (input: string | URL | Request, init?: RequestInit) => fetch(input, init);

const schema = { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer', minimum: 1, maximum: 5 } }, required: ['city', 'days'] };

it('anthropic: forced tool use answers a tool_use block the SDK parses', async () => {
  const client = new Anthropic({ apiKey: 'good-key', baseURL: server.baseUrls.anthropic, maxRetries: 0 });
  const message = await client.messages.create({
    model: 'claude-sonnet-5-5',
    max_tokens: 100,
    messages: [{ role: 'user', content: 'Plan a trip' }],
    tools: [{ name: 'plan_trip', description: 'plan', input_schema: schema as Anthropic.Tool['input_schema'] }],
    tool_choice: { type: 'tool', name: 'plan_trip' },
  });
  expect(message.stop_reason).toBe('tool_use');
  const block = message.content[0];
  expect(block?.type).toBe('tool_use');
  if (block?.type === 'tool_use') expect(block.input).toEqual({ city: 'fake city about Plan a trip', days: 3 });
});

it('anthropic: a wrong key gets the provider-shaped 401', async () => {
  const client = new Anthropic({ apiKey: 'bad-key', baseURL: server.baseUrls.anthropic, maxRetries: 0 });
  const error = await client.messages.create({ model: 'claude-sonnet-5-5', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(Anthropic.AuthenticationError);
  expect((error as InstanceType<typeof Anthropic.AuthenticationError>).error).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
});

it('openai: a required function call answers tool_calls the SDK parses', async () => {
  const client = new OpenAI({ apiKey: 'k', baseURL: server.baseUrls.openai, maxRetries: 0 });
  const completion = await client.chat.completions.create({
    model: 'gpt-5.6-sol',
    messages: [{ role: 'user', content: 'Plan a trip' }],
    tools: [{ type: 'function', function: { name: 'plan_trip', parameters: schema } }],
    tool_choice: { type: 'function', function: { name: 'plan_trip' } },
  });
  const call = completion.choices[0]?.message.tool_calls?.[0];
  expect(completion.choices[0]?.finish_reason).toBe('tool_calls');
  expect(call?.type === 'function' ? JSON.parse(call.function.arguments) : undefined).toEqual({ city: 'fake city about Plan a trip', days: 3 });
});

it('openai: 429 carries retry-after and the SDK exposes it', async () => {
  server.inject('openai', { kind: 'status', status: 429, retryAfterSeconds: 7 }, { times: 1 });
  const client = new OpenAI({ apiKey: 'k', baseURL: server.baseUrls.openai, maxRetries: 0 });
  const error = await client.chat.completions.create({ model: 'gpt-5.6-sol', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(OpenAI.RateLimitError);
  expect((error as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after')).toBe('7');
});

it('google: function calling mode ANY answers a functionCall part the SDK parses', async () => {
  const client = new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: server.baseUrls.google, fetch: jestSafeFetch } });
  const response = await client.models.generateContent({
    model: 'gemini-3.8-flash',
    contents: 'Plan a trip',
    config: {
      tools: [{ functionDeclarations: [{ name: 'plan_trip', parametersJsonSchema: schema }] }],
      toolConfig: { functionCallingConfig: { mode: 'ANY' as never } },
    },
  });
  expect(response.functionCalls?.[0]).toMatchObject({ name: 'plan_trip', args: { city: 'fake city about Plan a trip', days: 3 } });
});

it('control routes let another process set faults and read requests', async () => {
  const set = await fetch(`${server.url}/_control/faults`, { method: 'POST', body: JSON.stringify({ provider: 'google', fault: { kind: 'status', status: 503 }, times: 1 }) });
  expect(set.status).toBe(200);
  const client = new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: server.baseUrls.google, fetch: jestSafeFetch } });
  await expect(client.models.generateContent({ model: 'gemini-3.8-flash', contents: 'x' })).rejects.toMatchObject({ status: 503 });
  await expect(client.models.generateContent({ model: 'gemini-3.8-flash', contents: 'x' })).resolves.toBeDefined();
  const requests = (await (await fetch(`${server.url}/_control/requests`)).json()) as { provider: string; status: number; fault?: string }[];
  expect(requests.map((r) => [r.provider, r.status, r.fault])).toEqual([
    ['google', 503, 'status'],
    ['google', 200, undefined],
  ]);
});

describe('tool calling', () => {
  const lookup = { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] };

  it('anthropic: a scripted turn answers parallel tool_use blocks; tools and tool results sent back are recorded', async () => {
    server.respondWith('anthropic', (req) => (req.toolResults.length === 0 ? { text: 'Looking up both.', toolCalls: [{ name: 'lookup', arguments: { id: 'a' } }, { name: 'lookup', arguments: { id: 'b' } }] } : 'Both found.'));
    const client = new Anthropic({ apiKey: 'good-key', baseURL: server.baseUrls.anthropic, maxRetries: 0 });
    const tools = [{ name: 'lookup', description: 'Look up', input_schema: lookup as Anthropic.Tool['input_schema'] }];
    const first = await client.messages.create({ model: 'claude-sonnet-5-5', max_tokens: 100, tools, messages: [{ role: 'user', content: 'Find a and b' }] });
    expect(first.stop_reason).toBe('tool_use');
    expect(first.content.map((b) => b.type)).toEqual(['text', 'tool_use', 'tool_use']);
    const uses = first.content.flatMap((b) => (b.type === 'tool_use' ? [b] : []));
    const second = await client.messages.create({
      model: 'claude-sonnet-5-5',
      max_tokens: 100,
      tools,
      messages: [
        { role: 'user', content: 'Find a and b' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: uses.map((u, i) => ({ type: 'tool_result' as const, tool_use_id: u.id, content: `found ${i}`, ...(i === 1 ? { is_error: true } : {}) })) },
      ],
    });
    expect(second.content).toEqual([expect.objectContaining({ type: 'text', text: 'Both found.' })]);
    const [, recorded] = server.requestsFor('anthropic');
    expect(recorded?.tools).toEqual([{ name: 'lookup', description: 'Look up', inputSchema: lookup }]);
    expect(recorded?.toolCalls.map((c) => c.arguments)).toEqual([{ id: 'a' }, { id: 'b' }]);
    expect(recorded?.toolResults).toEqual([
      { toolCallId: uses[0]?.id, content: 'found 0', isError: false },
      { toolCallId: uses[1]?.id, content: 'found 1', isError: true },
    ]);
  });

  it('openai: a scripted turn answers parallel tool_calls, raw argument strings included', async () => {
    server.respondWith('openai', () => ({ toolCalls: [{ name: 'lookup', arguments: { id: 'a' } }, { name: 'lookup', argumentsText: '{"id": ' }] }));
    const client = new OpenAI({ apiKey: 'k', baseURL: server.baseUrls.openai, maxRetries: 0 });
    const completion = await client.chat.completions.create({ model: 'gpt-5.6-sol', messages: [{ role: 'user', content: 'Find' }], tools: [{ type: 'function', function: { name: 'lookup', parameters: lookup } }] });
    expect(completion.choices[0]?.finish_reason).toBe('tool_calls');
    expect(completion.choices[0]?.message.tool_calls?.map((c) => (c.type === 'function' ? c.function.arguments : ''))).toEqual(['{"id":"a"}', '{"id": ']);
  });

  it('google: a scripted turn answers functionCall parts, the first one signed as Gemini 3 does', async () => {
    server.respondWith('google', () => ({ toolCalls: [{ name: 'lookup', arguments: { id: 'a' } }, { name: 'lookup', arguments: { id: 'b' } }] }));
    const client = new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: server.baseUrls.google, fetch: jestSafeFetch } });
    const response = await client.models.generateContent({ model: 'gemini-3.8-flash', contents: 'Find', config: { tools: [{ functionDeclarations: [{ name: 'lookup', parametersJsonSchema: lookup }] }] } });
    expect(response.functionCalls).toEqual([
      { name: 'lookup', args: { id: 'a' } },
      { name: 'lookup', args: { id: 'b' } },
    ]);
    const parts = response.candidates?.[0]?.content?.parts ?? [];
    expect(typeof parts[0]?.thoughtSignature).toBe('string');
    expect(parts[1]?.thoughtSignature).toBeUndefined();
  });

  it('answers 400 in each format to tool turns the real APIs refuse', async () => {
    const anthropic = new Anthropic({ apiKey: 'good-key', baseURL: server.baseUrls.anthropic, maxRetries: 0 });
    const tools = [{ name: 'lookup', input_schema: lookup as Anthropic.Tool['input_schema'] }];
    const orphanResult = anthropic.messages.create({ model: 'claude-sonnet-5-5', max_tokens: 10, tools, messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_x', content: 'r' }] }] });
    await expect(orphanResult).rejects.toMatchObject({ status: 400, error: { error: { message: expect.stringContaining('unexpected `tool_use_id`') } } });
    const dottedName = anthropic.messages.create({ model: 'claude-sonnet-5-5', max_tokens: 10, tools: [{ name: 'crm.lookup', input_schema: lookup as Anthropic.Tool['input_schema'] }], messages: [{ role: 'user', content: 'x' }] });
    await expect(dottedName).rejects.toMatchObject({ status: 400 });
    const noTools = anthropic.messages.create({
      model: 'claude-sonnet-5-5',
      max_tokens: 10,
      messages: [
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'lookup', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'r' }] },
      ],
    });
    await expect(noTools).rejects.toMatchObject({ status: 400, error: { error: { message: expect.stringContaining('must define tools') } } });

    const openai = new OpenAI({ apiKey: 'k', baseURL: server.baseUrls.openai, maxRetries: 0 });
    const unanswered = openai.chat.completions.create({
      model: 'gpt-5.6-sol',
      tools: [{ type: 'function', function: { name: 'lookup', parameters: lookup } }],
      messages: [
        { role: 'user', content: 'x' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{}' } }] },
        { role: 'user', content: 'y' },
      ],
    });
    await expect(unanswered).rejects.toMatchObject({ status: 400, error: { message: expect.stringContaining('call_1') } });

    const google = new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: server.baseUrls.google, fetch: jestSafeFetch } });
    const unsigned = google.models.generateContent({
      model: 'gemini-3.8-flash',
      contents: [
        { role: 'user', parts: [{ text: 'x' }] },
        { role: 'model', parts: [{ functionCall: { name: 'lookup', args: {} } }] },
        { role: 'user', parts: [{ functionResponse: { name: 'lookup', response: { output: 'r' } } }] },
      ],
      config: { tools: [{ functionDeclarations: [{ name: 'lookup', parametersJsonSchema: lookup }] }] },
    });
    await expect(unsigned).rejects.toMatchObject({ status: 400, message: expect.stringContaining('missing a thought_signature') });
    expect(server.requests.map((r) => [r.provider, r.status])).toEqual([
      ['anthropic', 400],
      ['anthropic', 400],
      ['anthropic', 400],
      ['openai', 400],
      ['google', 400],
    ]);
  });
});
