import { ProviderError } from '@mesh/core';
import { nullLogger } from '@mesh/observability';
import { createLlmClient } from './llm-client';
import { RateLimiter } from './rate-limiter';
import { configFrom, createLlmTestKit, liveEnv, startLlmChild, type LlmChild, type LlmTestKit } from './__tests__/llm-test-kit';

let kit: LlmTestKit;

beforeAll(async () => {
  kit = await createLlmTestKit();
});

afterAll(async () => {
  await kit.cleanup();
});

afterEach(() => kit.server.reset());

const ask = { system: 's', messages: [{ role: 'user' as const, content: 'Segment the Lyra audience' }] };

describe('RateLimiter', () => {
  const limiter = (rpm: number, tpm: number, now?: () => number) =>
    new RateLimiter({ redis: kit.redis, keyPrefix: `${kit.freshPrefix()}:llm:`, windowMs: 60_000, limitFor: () => ({ requestsPerMinute: rpm, tokensPerMinute: tpm }), ...(now ? { now } : {}) });
  const never = new AbortController().signal;

  it('grants within the budget and refuses at once what cannot be met before the deadline', async () => {
    let clock = 5_000_000;
    const l = limiter(2, 0, () => clock);
    expect(await l.acquire('openai', 'm', 0, clock + 1000, never)).toBe(0);
    expect(await l.acquire('openai', 'm', 0, clock + 1000, never)).toBe(0);
    // The next request frees up in 30 s (60 s / 2), after this deadline.
    const error = await l.acquire('openai', 'm', 0, clock + 1000, never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).errorClass).toBe('rate_limited_locally');
    clock += 30_000;
    expect(await l.acquire('openai', 'm', 0, clock + 1000, never)).toBe(0);
  });

  it('counts tokens and settles reservations against what was used', async () => {
    let clock = 7_000_000;
    const l = limiter(0, 1000, () => clock);
    expect(await l.acquire('openai', 'm', 900, clock + 1000, never)).toBe(0);
    await expect(l.acquire('openai', 'm', 200, clock + 1000, never)).rejects.toMatchObject({ errorClass: 'rate_limited_locally' });
    // Only 100 of the 900 reserved were used: 800 come back.
    await l.settle('openai', 900, 100);
    expect(await l.acquire('openai', 'm', 800, clock + 1000, never)).toBe(0);
    // An overrun is taken too: 300 more than reserved leaves the bucket at -200.
    await l.settle('openai', 0, 300);
    clock += 12_000; // +200 refilled: back to 0; one token is 60 ms away, past this deadline.
    await expect(l.acquire('openai', 'm', 1, clock + 10, never)).rejects.toMatchObject({ errorClass: 'rate_limited_locally' });
  });

  it('a reservation larger than the whole budget waits for a full bucket instead of never running', async () => {
    let clock = 9_000_000;
    const l = limiter(0, 1000, () => clock);
    expect(await l.acquire('openai', 'm', 5000, clock + 1000, never)).toBe(0);
    await expect(l.acquire('openai', 'm', 5000, clock + 1000, never)).rejects.toMatchObject({ errorClass: 'rate_limited_locally' });
    clock += 60_000;
    expect(await l.acquire('openai', 'm', 5000, clock + 1000, never)).toBe(0);
  });

  it('without limits it never touches Redis', async () => {
    const l = limiter(0, 0);
    expect(await l.acquire('openai', 'm', 10_000_000, 0, never)).toBe(0);
    expect(await kit.redis.exists(l.key('openai'))).toBe(0);
  });
});

describe('through the client', () => {
  it('a call over the limit waits for capacity rather than failing', async () => {
    const config = configFrom(liveEnv(kit.server, { MESH_MODEL_CHAIN: 'openai:gpt-5.6-sol', MESH_RATE_LIMIT_RPM: '2' }), (c) => {
      c.rateLimit.windowMs = 1000;
    });
    const client = createLlmClient({ config, redis: kit.redis, keyPrefix: kit.freshPrefix(), logger: nullLogger });
    const started = Date.now();
    const results = await Promise.all([client.complete(ask), client.complete(ask), client.complete(ask)]);
    expect(results.map((r) => r.provider)).toEqual(['openai', 'openai', 'openai']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
  });

  it('a wait that would pass the deadline moves on to the next provider, whose limit is its own', async () => {
    const config = configFrom(liveEnv(kit.server, { MESH_MODEL_CHAIN: 'openai:gpt-5.6-sol,google:gemini-3.8-flash', MESH_RATE_LIMITS: '{"openai": {"rpm": 1}}', MESH_LLM_CALL_TIMEOUT_MS: '2000', MESH_LLM_TIMEOUT_MS: '1000' }));
    const client = createLlmClient({ config, redis: kit.redis, keyPrefix: kit.freshPrefix(), logger: nullLogger });
    expect((await client.complete(ask)).provider).toBe('openai');
    const second = await client.complete(ask);
    expect(second.provider).toBe('google');
    expect(second.attempts[0]).toMatchObject({ provider: 'openai', outcome: 'skipped', errorClass: 'rate_limited_locally' });
    expect(kit.server.requestsFor('openai')).toHaveLength(1);
  });
});

describe('fleet-wide', () => {
  const children: LlmChild[] = [];

  afterEach(async () => {
    await Promise.all(children.splice(0).map((c) => c.stop()));
  });

  it('holds across two processes calling at once', async () => {
    // 5 requests per 1 s window for the whole fleet. Two processes fire 10 calls each at once:
    // 5 go at once, the other 15 at 5/s, so the last goes no earlier than ~3 s. Per-process
    // limiters would let each process send 10 within its first second instead.
    const keyPrefix = kit.freshPrefix();
    const env = liveEnv(kit.server, { MESH_MODEL_CHAIN: 'openai:gpt-5.6-sol', MESH_RATE_LIMIT_RPM: '5', MESH_LLM_CALL_TIMEOUT_MS: '30000' });
    children.push(await startLlmChild({ env, keyPrefix, rateLimit: { windowMs: 1000 } }), await startLlmChild({ env, keyPrefix, rateLimit: { windowMs: 1000 } }));
    const bursts = await Promise.all(children.map((c) => c.send<{ ok: boolean; provider?: string; error?: string }[]>('burst', { count: 10, request: ask })));
    const all = bursts.flat();
    expect(all.filter((r) => !r.ok)).toEqual([]);
    expect(all).toHaveLength(20);

    const arrivals = kit.server.requestsFor('openai').map((r) => r.at).sort((a, b) => a - b);
    expect(arrivals).toHaveLength(20);
    expect(arrivals[19]! - arrivals[0]!).toBeGreaterThanOrEqual(2500);
    // A token bucket of 5 refilled at 5/s admits at most 5 + 5 in any 1 s (plus timer slack).
    for (const start of arrivals) {
      expect(arrivals.filter((t) => t >= start && t < start + 1000).length).toBeLessThanOrEqual(11);
    }
  });
});
