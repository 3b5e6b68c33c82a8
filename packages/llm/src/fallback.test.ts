import { z } from 'zod';
import { ProviderError } from '@mesh/core';
import { nullLogger, type Logger } from '@mesh/observability';
import type { FakeProviderName } from '../../testing/src/fake-provider';
import { CircuitBreaker } from './circuit-breaker';
import { createLlmClient, type LlmClient } from './llm-client';
import { attemptCollector, capturingLogger, configFrom, createLlmTestKit, liveEnv, type LlmTestKit } from './__tests__/llm-test-kit';

let kit: LlmTestKit;

beforeAll(async () => {
  kit = await createLlmTestKit();
});

afterAll(async () => {
  await kit.cleanup();
});

beforeEach(() => kit.server.reset());

function setup(env: Record<string, string> = {}, logger: Logger = nullLogger) {
  const hooks = attemptCollector();
  const keyPrefix = kit.freshPrefix();
  const config = configFrom(liveEnv(kit.server, env));
  const client: LlmClient = createLlmClient({ config, redis: kit.redis, keyPrefix, logger, onAttempt: hooks.onAttempt, recorder: hooks.recorder });
  return { client, hooks, keyPrefix, config };
}

const ask = { system: 'You help.', messages: [{ role: 'user' as const, content: 'Write a tagline for Orion' }] };

describe('retryable failures are retried on the same model, with back-off', () => {
  it.each([
    [500, 'server'],
    [503, 'server'],
    [529, 'overloaded'],
    [429, 'rate_limit'],
  ])('%i (%s) is retried and the model then answers', async (status, errorClass) => {
    const { client } = setup();
    kit.server.inject('anthropic', { kind: 'status', status }, { times: 2 });
    const response = await client.complete(ask);
    expect(response.provider).toBe('anthropic');
    expect(kit.server.requestsFor('anthropic')).toHaveLength(3);
    expect(response.attempts.map((a) => [a.outcome, a.errorClass, a.httpStatus])).toEqual([
      ['error', errorClass, status],
      ['error', errorClass, status],
      ['success', undefined, undefined],
    ]);
    expect(response.attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
  });

  // Back-off is "equal jitter" on an exponential step: retry n waits between half and all of
  // MESH_LLM_RETRY_MIN_MS × 2^(n-1). Only lower bounds are asserted: a loaded machine adds time, never removes it.
  const gapsBetween = (requests: readonly { at: number }[]) => requests.slice(1).map((r, i) => r.at - requests[i]!.at);
  const TIMER_SLACK_MS = 5;

  it('waits at least MESH_LLM_RETRY_MIN_MS before the second retry, and the wait does not shrink', async () => {
    const minMs = 300;
    const { client } = setup({ MESH_LLM_RETRY_MIN_MS: String(minMs), MESH_LLM_RETRY_MAX_MS: '10000' });
    kit.server.inject('anthropic', { kind: 'status', status: 500 }, { times: 2 });
    const response = await client.complete(ask);
    expect(response.provider).toBe('anthropic');
    const requests = kit.server.requestsFor('anthropic');
    expect(requests).toHaveLength(3);
    const [firstGap, secondGap] = gapsBetween(requests);
    expect(firstGap).toBeGreaterThanOrEqual(minMs / 2 - TIMER_SLACK_MS);
    expect(secondGap).toBeGreaterThanOrEqual(minMs - TIMER_SLACK_MS);
    // The second step's floor is the first step's ceiling, so the gap may stay level but must not
    // shrink (beyond generous noise in request handling).
    expect(secondGap).toBeGreaterThanOrEqual(firstGap! - 150);
  });

  it('the waits grow exponentially: floors of min/2, min and 2×min over three retries', async () => {
    const minMs = 300;
    const { client } = setup({ MESH_LLM_RETRIES: '3', MESH_LLM_RETRY_MIN_MS: String(minMs), MESH_LLM_RETRY_MAX_MS: '10000' });
    kit.server.inject('anthropic', { kind: 'status', status: 500 }, { times: 3 });
    const response = await client.complete(ask);
    expect(response.provider).toBe('anthropic');
    expect(response.attempts.map((a) => a.outcome)).toEqual(['error', 'error', 'error', 'success']);
    const gaps = gapsBetween(kit.server.requestsFor('anthropic'));
    expect(gaps).toHaveLength(3);
    [minMs / 2, minMs, 2 * minMs].forEach((floor, i) => expect(gaps[i]).toBeGreaterThanOrEqual(floor - TIMER_SLACK_MS));
    // The third wait is at least 2×min, the first at most min: it is longer by min, less request noise.
    expect(gaps[2]).toBeGreaterThan(gaps[0]!);
  });

  it('falls back to the next model once the retries are spent', async () => {
    const { client } = setup();
    kit.server.inject('anthropic', { kind: 'status', status: 500 });
    const response = await client.complete(ask);
    expect(response.provider).toBe('openai');
    expect(kit.server.requestsFor('anthropic')).toHaveLength(3);
    expect(response.attempts.map((a) => `${a.provider}:${a.chainPosition}:${a.outcome}`)).toEqual(['anthropic:0:error', 'anthropic:0:error', 'anthropic:0:error', 'openai:1:success']);
  });

  it('a malformed JSON body is retried', async () => {
    const { client } = setup();
    kit.server.inject('anthropic', { kind: 'malformed_json' }, { times: 1 });
    const response = await client.complete(ask);
    expect(response.provider).toBe('anthropic');
    expect(response.attempts[0]).toMatchObject({ outcome: 'error', errorClass: 'malformed_response' });
    expect(response.attempts).toHaveLength(2);
  });

  it('a connection reset is a network error, retried', async () => {
    const { client } = setup({ MESH_MODEL_CHAIN: 'openai:gpt-5.6-sol,google:gemini-3.8-flash' });
    kit.server.inject('openai', { kind: 'reset' }, { times: 1 });
    const response = await client.complete(ask);
    expect(response.provider).toBe('openai');
    expect(response.attempts[0]).toMatchObject({ outcome: 'error', errorClass: 'network' });
    expect(response.attempts).toHaveLength(2);
  });

  it.each([
    ['anthropic', 529, 'overloaded'],
    ['openai', 500, 'server'],
    ['google', 503, 'server'],
  ] as const)('%s: an error object inside a 200 body is treated by the status it stands for', async (provider, status, errorClass) => {
    const { client } = setup({ MESH_MODEL_CHAIN: `${provider}:${provider === 'anthropic' ? 'claude-sonnet-5-5' : provider === 'openai' ? 'gpt-5.6-sol' : 'gemini-3.8-flash'}` });
    kit.server.inject(provider, { kind: 'error_in_200', status }, { times: 1 });
    const response = await client.complete(ask);
    expect(response.provider).toBe(provider);
    expect(response.attempts[0]).toMatchObject({ outcome: 'error', errorClass });
    expect(response.attempts).toHaveLength(2);
  });
});

describe('every provider classifies the same way through its own SDK', () => {
  const single = { anthropic: 'anthropic:claude-sonnet-5-5', openai: 'openai:gpt-5.6-sol', google: 'google:gemini-3.8-flash' } as const;
  const cases = [
    [{ kind: 'status', status: 500 }, 'server', 500, true],
    [{ kind: 'status', status: 503 }, 'server', 503, true],
    [{ kind: 'status', status: 529 }, 'overloaded', 529, true],
    [{ kind: 'status', status: 429 }, 'rate_limit', 429, true],
    [{ kind: 'malformed_json' }, 'malformed_response', undefined, true],
    [{ kind: 'reset' }, 'network', undefined, true],
    [{ kind: 'status', status: 401 }, 'auth', 401, false],
    [{ kind: 'status', status: 404 }, 'not_found', 404, false],
  ] as const;
  it.each((['anthropic', 'openai', 'google'] as const).flatMap((provider) => cases.map((c) => [provider, ...c] as const)))(
    '%s: %j → %s',
    async (provider, fault, errorClass, httpStatus, retryable) => {
      const { client, hooks } = setup({ MESH_MODEL_CHAIN: single[provider], MESH_LLM_RETRIES: '1' });
      kit.server.inject(provider, fault, { times: 1 });
      await client.complete(ask).catch(() => undefined);
      expect(hooks.attempts[0]).toMatchObject({ provider, outcome: 'error', errorClass });
      expect(hooks.attempts[0]?.httpStatus).toBe(httpStatus);
      expect(hooks.attempts.map((a) => a.outcome)).toEqual(retryable ? ['error', 'success'] : ['error']);
    },
  );
});

describe('retry-after', () => {
  it('is honoured before the retry', async () => {
    const { client } = setup();
    kit.server.inject('anthropic', { kind: 'status', status: 429, retryAfterSeconds: 1 }, { times: 1 });
    const response = await client.complete(ask);
    expect(response.provider).toBe('anthropic');
    const [first, second] = kit.server.requestsFor('anthropic');
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(950);
    expect(response.attempts[0]).toMatchObject({ errorClass: 'rate_limit', httpStatus: 429 });
  });

  it('is read from Gemini RetryInfo too', async () => {
    const { client } = setup({ MESH_MODEL_CHAIN: 'google:gemini-3.8-flash' });
    kit.server.inject('google', { kind: 'status', status: 429, retryAfterSeconds: 1 }, { times: 1 });
    await client.complete(ask);
    const [first, second] = kit.server.requestsFor('google');
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(950);
  });

  it('longer than the longest back-off moves to the next model at once', async () => {
    const { client } = setup();
    kit.server.inject('anthropic', { kind: 'status', status: 429, retryAfterSeconds: 120 });
    const started = Date.now();
    const response = await client.complete(ask);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(response.provider).toBe('openai');
    expect(kit.server.requestsFor('anthropic')).toHaveLength(1);
  });
});

describe('non-retryable failures go to the next model at once', () => {
  it.each([
    [400, 'bad_request'],
    [401, 'auth'],
    [403, 'permission'],
    [404, 'not_found'],
  ])('%i (%s)', async (status, errorClass) => {
    const logger = capturingLogger();
    const { client } = setup({}, logger);
    kit.server.inject('anthropic', { kind: 'status', status });
    const response = await client.complete(ask);
    expect(response.provider).toBe('openai');
    expect(kit.server.requestsFor('anthropic')).toHaveLength(1);
    expect(response.attempts[0]).toMatchObject({ provider: 'anthropic', outcome: 'error', errorClass, httpStatus: status });
    const configErrors = logger.entries.filter((e) => e.level === 'error' && e.message.includes('configuration error'));
    expect(configErrors).toHaveLength(status === 401 ? 1 : 0);
    if (status === 401) expect(configErrors[0]?.fields).toMatchObject({ provider: 'anthropic' });
  });

  it.each(['anthropic', 'openai', 'google'] as const)('%s: a quota 429 (spend limit / insufficient_quota / per-day RESOURCE_EXHAUSTED) is not retried', async (provider: FakeProviderName) => {
    const chain = { anthropic: 'anthropic:claude-sonnet-5-5', openai: 'openai:gpt-5.6-sol', google: 'google:gemini-3.8-flash' };
    const next = provider === 'anthropic' ? 'openai' : 'anthropic';
    const { client } = setup({ MESH_MODEL_CHAIN: `${chain[provider]},${chain[next]}` });
    kit.server.inject(provider, { kind: 'quota' });
    const response = await client.complete(ask);
    expect(response.provider).toBe(next);
    expect(kit.server.requestsFor(provider)).toHaveLength(1);
    expect(response.attempts[0]).toMatchObject({ provider, errorClass: 'quota', httpStatus: 429 });
  });
});

describe('timeouts and aborts', () => {
  it('a hang is cut by the per-attempt timeout, which cancels the HTTP request, then falls back', async () => {
    const { client } = setup({ MESH_LLM_RETRIES: '1' });
    kit.server.inject('anthropic', { kind: 'hang' });
    const started = Date.now();
    const response = await client.complete({ ...ask, timeoutMs: 300 });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(response.provider).toBe('openai');
    expect(response.attempts.slice(0, 2).map((a) => a.errorClass)).toEqual(['timeout', 'timeout']);
    await new Promise((r) => setTimeout(r, 50));
    expect(kit.server.requestsFor('anthropic').map((r) => r.clientClosed)).toEqual([true, true]);
  });

  it("the caller's signal cancels the HTTP request and rejects with an AbortError", async () => {
    const { client, hooks } = setup();
    kit.server.inject('anthropic', { kind: 'hang' });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const started = Date.now();
    const error = await client.complete({ ...ask, signal: controller.signal }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(3000);
    expect((error as Error).name).toBe('AbortError');
    await new Promise((r) => setTimeout(r, 50));
    expect(kit.server.requestsFor('anthropic')[0]?.clientClosed).toBe(true);
    expect(kit.server.requestsFor('openai')).toHaveLength(0);
    expect(hooks.recorder.calls[0]?.attempts).toEqual([expect.objectContaining({ provider: 'anthropic', outcome: 'error', errorClass: 'aborted' })]);
  });

  it('an already aborted signal fails at once', async () => {
    const { client } = setup();
    const error = await client.complete({ ...ask, signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect((error as Error).name).toBe('AbortError');
    expect(kit.server.requests).toHaveLength(0);
  });

  it("the call's own deadline bounds every model, retry and wait", async () => {
    const { client } = setup({ MESH_LLM_CALL_TIMEOUT_MS: '800', MESH_LLM_TIMEOUT_MS: '500' });
    kit.server.inject('all', { kind: 'hang' });
    const started = Date.now();
    const error = await client.complete(ask).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(4000);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).message).toMatch(/^All models failed within the call deadline of 800 ms: anthropic:claude-sonnet-5-5 \(timeout(, deadline| ×\d)/);
    expect((error as ProviderError).retryable).toBe(false);
  });
});

describe('all providers down', () => {
  it('raises a ProviderError naming every model and why, within a bounded time', async () => {
    const { client, hooks } = setup();
    kit.server.inject('all', { kind: 'status', status: 500 });
    const started = Date.now();
    const error = await client.complete(ask).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as Error).name).toBe('ProviderError');
    expect((error as ProviderError).retryable).toBe(false);
    expect((error as ProviderError).errorClass).toBe('all_models_failed');
    expect((error as Error).message).toBe('All models failed: anthropic:claude-sonnet-5-5 (server 500 ×3), openai:gpt-5.6-sol (server 500 ×3), google:gemini-3.8-flash (server 500 ×3)');
    expect(hooks.recorder.calls[0]?.attempts).toHaveLength(9);
  });

  it('says which failed how: server errors, a bad key, an open circuit', async () => {
    const { client, keyPrefix, config } = setup();
    const breaker = new CircuitBreaker({ redis: kit.redis, keyPrefix: `${keyPrefix}:llm:`, ...config.breaker, probeLeaseMs: 1000 });
    for (let i = 0; i < config.breaker.failureThreshold; i += 1) await breaker.recordFailure('google:gemini-3.8-flash', 'server');
    kit.server.inject('anthropic', { kind: 'status', status: 500 });
    kit.server.inject('openai', { kind: 'status', status: 401 });
    const error = await client.complete(ask).catch((e: unknown) => e);
    expect((error as Error).message).toBe('All models failed: anthropic:claude-sonnet-5-5 (server 500 ×3), openai:gpt-5.6-sol (auth 401), google:gemini-3.8-flash (circuit open)');
    expect(kit.server.requestsFor('google')).toHaveLength(0);
  });
});

describe('chain order', () => {
  it("the agent's own model goes first, then the chain without duplicates", async () => {
    const { client } = setup();
    kit.server.inject('openai', { kind: 'status', status: 500 });
    const response = await client.complete({ ...ask, model: 'gpt-4o' });
    expect(response.attempts.map((a) => `${a.provider}:${a.model}`)).toEqual(['openai:gpt-4o', 'openai:gpt-4o', 'openai:gpt-4o', 'anthropic:claude-sonnet-5-5']);
    expect(client.chainFor('claude-3-7-sonnet').map((m) => m.ref)).toEqual(['anthropic:claude-sonnet-5-5', 'openai:gpt-5.6-sol', 'google:gemini-3.8-flash']);
  });

  it('a provider without a key is skipped', async () => {
    const { client } = setup({ ANTHROPIC_API_KEY: '' });
    const response = await client.complete(ask);
    expect(response.provider).toBe('openai');
    expect(kit.server.requestsFor('anthropic')).toHaveLength(0);
    expect((await client.health()).providers['anthropic']).toEqual({ configured: false, circuit: 'closed', models: {} });
  });
});

describe('cost accounting', () => {
  const Answer = z.object({ tagline: z.string().min(5) });

  it('sums every attempt that returned usage, priced from the configurable table', async () => {
    const prices = { 'anthropic:claude-sonnet-5-5': { input: 3, output: 15 }, 'openai:gpt-5.6-sol': { input: 10, output: 40 } };
    const { client, hooks } = setup({ MESH_LLM_PRICES: JSON.stringify(prices) });
    kit.server.inject('anthropic', { kind: 'status', status: 500 });
    kit.server.inject('openai', { kind: 'invalid_output' }, { times: 1 });
    const response = await client.complete({ ...ask, schema: { name: 'tagline', zod: Answer } });
    expect(response.provider).toBe('openai');
    const priced = response.attempts.filter((a) => a.inputTokens > 0);
    expect(priced.map((a) => [a.provider, a.kind, a.outcome])).toEqual([
      ['openai', 'call', 'invalid_output'],
      ['openai', 'repair', 'success'],
    ]);
    for (const a of response.attempts) {
      const price = prices[`${a.provider}:${a.model}` as keyof typeof prices];
      expect(a.costUsd).toBeCloseTo((a.inputTokens * price.input + a.outputTokens * price.output) / 1e6, 10);
    }
    expect(response.costUsd).toBeCloseTo(priced.reduce((s, a) => s + a.costUsd, 0), 10);
    expect(response.costUsd).toBeGreaterThan(0);
    expect(response.usage).toEqual({
      inputTokens: priced.reduce((s, a) => s + a.inputTokens, 0),
      outputTokens: priced.reduce((s, a) => s + a.outputTokens, 0),
    });
    expect(hooks.attempts).toEqual(response.attempts);
  });
});

describe('when Redis is unreachable', () => {
  it('calls go on without circuit and rate-limit state, and health says the state is unavailable', async () => {
    const { Redis } = await import('ioredis');
    const deadRedis = new Redis({ port: 1, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    const logger = capturingLogger();
    const config = configFrom(liveEnv(kit.server, { MESH_RATE_LIMIT_RPM: '100' }));
    const client = createLlmClient({ config, redis: deadRedis, keyPrefix: kit.freshPrefix(), logger });
    const response = await client.complete(ask);
    expect(response.provider).toBe('anthropic');
    expect(logger.entries.some((e) => e.level === 'warn' && /Redis|rate limiter unavailable/.test(e.message))).toBe(true);
    const health = await client.health();
    expect(health.circuitStateAvailable).toBe(false);
    expect(health.providers['anthropic']?.circuit).toBe('closed');
    deadRedis.disconnect();
  });
});
