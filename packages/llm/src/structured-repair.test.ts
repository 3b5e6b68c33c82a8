import { z } from 'zod';
import { ModelOutputError, ProviderError } from '@mesh/core';
import { nullLogger } from '@mesh/observability';
import { createLlmClient } from './llm-client';
import { configFrom, createLlmTestKit, liveEnv, type LlmTestKit } from './__tests__/llm-test-kit';

const Review = z.object({ verdict: z.enum(['approve', 'reject']), score: z.number().min(0).max(1), notes: z.string().min(1) });

let kit: LlmTestKit;

beforeAll(async () => {
  kit = await createLlmTestKit();
});

afterAll(async () => {
  await kit.cleanup();
});

beforeEach(() => kit.server.reset());

function client(env: Record<string, string> = {}) {
  return createLlmClient({ config: configFrom(liveEnv(kit.server, env)), redis: kit.redis, keyPrefix: kit.freshPrefix(), logger: nullLogger });
}

const ask = { system: 'Review the draft.', messages: [{ role: 'user' as const, content: 'Review the Orion launch email' }], schema: { name: 'review', zod: Review } };

it('an invalid answer gets one repair request on the same model, which sees its answer and the problem', async () => {
  kit.server.inject('anthropic', { kind: 'invalid_output', text: '{"verdict": "maybe", "score": 7, "notes": "ok"}' }, { times: 1 });
  const response = await client().complete(ask);
  expect(response.provider).toBe('anthropic');
  expect(Review.parse(response.object)).toEqual(response.object);
  expect(response.attempts.map((a) => [a.kind, a.outcome])).toEqual([
    ['call', 'invalid_output'],
    ['repair', 'success'],
  ]);
  expect(response.attempts[0]?.errorMessage).toContain('verdict');
  const repair = kit.server.requestsFor('anthropic')[1]?.body as { messages: { role: string; content: string }[] };
  expect(repair.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
  expect(repair.messages[1]?.content).toBe('{"verdict": "maybe", "score": 7, "notes": "ok"}');
  expect(repair.messages[2]?.content).toMatch(/score/);
});

it('prose instead of JSON is repaired too', async () => {
  kit.server.inject('openai', { kind: 'invalid_output' }, { times: 1 });
  const response = await client({ MESH_MODEL_CHAIN: 'openai:gpt-5.6-sol' }).complete(ask);
  expect(response.attempts.map((a) => a.outcome)).toEqual(['invalid_output', 'success']);
  expect(response.attempts[0]?.errorMessage).toMatch(/not valid JSON/);
});

it('invalid twice falls back to the next model', async () => {
  kit.server.inject('anthropic', { kind: 'invalid_output' });
  const response = await client().complete(ask);
  expect(response.provider).toBe('openai');
  expect(response.attempts.map((a) => `${a.provider}:${a.kind}:${a.outcome}`)).toEqual(['anthropic:call:invalid_output', 'anthropic:repair:invalid_output', 'openai:call:success']);
});

it('invalid everywhere ends in a ProviderError that says so', async () => {
  kit.server.inject('all', { kind: 'invalid_output' });
  const error = await client().complete(ask).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ProviderError);
  expect((error as Error).message).toBe(
    'All models failed: anthropic:claude-sonnet-5-5 (invalid output ×2), openai:gpt-5.6-sol (invalid output ×2), google:gemini-3.8-flash (invalid output ×2)',
  );
  expect((error as Error & { cause?: unknown }).cause).toBeInstanceOf(ModelOutputError);
});

it('invalid output does not count against the circuit', async () => {
  const c = client({ MESH_BREAKER_FAILURE_THRESHOLD: '1' });
  kit.server.inject('anthropic', { kind: 'invalid_output' }, { times: 2 });
  await c.complete(ask);
  expect((await c.health()).providers['anthropic']?.circuit).toBe('closed');
});
