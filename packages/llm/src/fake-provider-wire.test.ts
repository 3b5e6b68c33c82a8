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
