import { nullLogger } from '@mesh/observability';
import { CircuitBreaker, type CircuitBreakerOptions } from './circuit-breaker';
import { createLlmClient, type CircuitChange, type LlmHealth } from './llm-client';
import { configFrom, createLlmTestKit, liveEnv, startLlmChild, type LlmChild, type LlmTestKit } from './__tests__/llm-test-kit';

let kit: LlmTestKit;

beforeAll(async () => {
  kit = await createLlmTestKit();
});

afterAll(async () => {
  await kit.cleanup();
});

describe('CircuitBreaker state machine (Redis, controlled clock)', () => {
  let clock = 1_000_000;
  const breakerWith = (overrides: Partial<CircuitBreakerOptions> = {}) =>
    new CircuitBreaker({
      redis: kit.redis,
      keyPrefix: `${kit.freshPrefix()}:llm:`,
      failureThreshold: 3,
      failureRate: 0,
      minRequests: 10,
      windowMs: 60_000,
      cooldownMs: 30_000,
      probeLeaseMs: 5_000,
      now: () => clock,
      ...overrides,
    });
  const ref = 'openai:gpt-5.6-sol';

  it('opens after N consecutive failures; a success in between resets the count', async () => {
    const breaker = breakerWith();
    await breaker.recordFailure(ref, 'server');
    await breaker.recordFailure(ref, 'server');
    await breaker.recordSuccess(ref);
    await breaker.recordFailure(ref, 'server');
    expect((await breaker.acquire(ref)).state).toBe('closed');
    await breaker.recordFailure(ref, 'server');
    expect(await breaker.recordFailure(ref, 'timeout')).toEqual({ ref, from: 'closed', to: 'open' });
    expect(await breaker.acquire(ref)).toMatchObject({ allowed: false, state: 'open' });
    expect(await breaker.snapshot(ref)).toMatchObject({ state: 'open', lastError: 'timeout', openUntil: clock + 30_000 });
  });

  it('after the cool-down lets exactly one probe through; its success closes the circuit', async () => {
    const breaker = breakerWith();
    for (let i = 0; i < 3; i += 1) await breaker.recordFailure(ref, 'server');
    clock += 29_999;
    expect((await breaker.acquire(ref)).allowed).toBe(false);
    clock += 1;
    expect((await breaker.snapshot(ref)).state).toBe('half_open');
    const probe = await breaker.acquire(ref);
    expect(probe).toMatchObject({ allowed: true, state: 'half_open', probe: true, transition: { from: 'open', to: 'half_open' } });
    expect(await breaker.acquire(ref)).toMatchObject({ allowed: false, state: 'half_open' });
    expect(await breaker.recordSuccess(ref)).toEqual({ ref, from: 'half_open', to: 'closed' });
    expect(await breaker.acquire(ref)).toMatchObject({ allowed: true, state: 'closed', probe: false });
  });

  it("a failed probe opens it again for another cool-down; a dead prober's lease lapses", async () => {
    const breaker = breakerWith();
    for (let i = 0; i < 3; i += 1) await breaker.recordFailure(ref, 'server');
    clock += 30_000;
    expect((await breaker.acquire(ref)).probe).toBe(true);
    expect(await breaker.recordFailure(ref, 'server')).toEqual({ ref, from: 'half_open', to: 'open' });
    clock += 29_000;
    expect((await breaker.acquire(ref)).allowed).toBe(false);
    clock += 1_000;
    expect((await breaker.acquire(ref)).probe).toBe(true);
    clock += 5_000;
    expect((await breaker.acquire(ref)).probe).toBe(true);
  });

  it('opens on the failure rate within the window once enough requests were seen', async () => {
    const breaker = breakerWith({ failureThreshold: 100, failureRate: 0.5, minRequests: 6 });
    for (let i = 0; i < 2; i += 1) {
      await breaker.recordSuccess(ref);
      expect(await breaker.recordFailure(ref, 'server')).toBeUndefined();
    }
    await breaker.recordSuccess(ref);
    // 3 of 6 failed: 50 %, never more than one in a row.
    expect(await breaker.recordFailure(ref, 'server')).toEqual({ ref, from: 'closed', to: 'open' });
    expect((await breaker.snapshot(ref)).state).toBe('open');
  });

  it('successes of calls that started before it opened do not close an open circuit', async () => {
    const breaker = breakerWith();
    for (let i = 0; i < 3; i += 1) await breaker.recordFailure(ref, 'server');
    expect(await breaker.recordSuccess(ref)).toBeUndefined();
    expect((await breaker.snapshot(ref)).state).toBe('open');
  });
});

describe('circuit shared across processes', () => {
  let child: LlmChild | undefined;

  afterEach(async () => {
    await child?.stop();
    child = undefined;
    kit.server.reset();
  });

  it('opens in one process, is skipped by a second, half-opens after the cool-down and closes on a successful probe', async () => {
    const keyPrefix = kit.freshPrefix();
    const env = liveEnv(kit.server, {
      MESH_MODEL_CHAIN: 'anthropic:claude-sonnet-5-5,openai:gpt-5.6-sol',
      MESH_LLM_RETRIES: '0',
      MESH_BREAKER_FAILURE_THRESHOLD: '3',
      MESH_BREAKER_COOLDOWN_MS: '1500',
    });
    const changes: CircuitChange[] = [];
    const first = createLlmClient({ config: configFrom(env), redis: kit.redis, keyPrefix, logger: nullLogger, onCircuitChange: (c) => changes.push(c) });
    child = await startLlmChild({ env, keyPrefix });
    const ask = { system: 's', messages: [{ role: 'user' as const, content: 'Plan the Vega rollout' }] };

    // Process 1: anthropic fails three times in a row and its circuit opens.
    kit.server.inject('anthropic', { kind: 'status', status: 500 });
    for (let i = 0; i < 3; i += 1) expect((await first.complete(ask)).provider).toBe('openai');
    expect(changes).toEqual([{ ref: 'anthropic:claude-sonnet-5-5', provider: 'anthropic', model: 'claude-sonnet-5-5', from: 'closed', to: 'open' }]);

    // Process 2 sees it open, in health and by skipping anthropic without a request.
    const health = await child.send<LlmHealth>('health');
    expect(health.providers['anthropic']).toEqual({ configured: true, circuit: 'open', models: { 'anthropic:claude-sonnet-5-5': 'open' } });
    expect(health.providers['openai']?.circuit).toBe('closed');
    const before = kit.server.requestsFor('anthropic').length;
    const skipped = await child.send<{ provider: string; attempts: { provider: string; outcome: string; errorClass?: string }[] }>('complete', { request: ask });
    expect(skipped.provider).toBe('openai');
    expect(skipped.attempts[0]).toEqual({ provider: 'anthropic', outcome: 'skipped', errorClass: 'circuit_open' });
    expect(kit.server.requestsFor('anthropic')).toHaveLength(before);

    // After the cool-down anthropic has recovered: one probe (slow on purpose) goes through;
    // meanwhile process 1 does not pile onto the half-open model.
    kit.server.clearFaults();
    kit.server.inject('anthropic', { kind: 'latency', ms: 700 }, { times: 1 });
    await new Promise((r) => setTimeout(r, 1600));
    expect((await first.health()).providers['anthropic']?.circuit).toBe('half_open');
    const probe = child.send<{ provider: string }>('complete', { request: ask });
    await new Promise((r) => setTimeout(r, 300));
    const during = await first.complete(ask);
    expect(during.provider).toBe('openai');
    expect(during.attempts[0]).toMatchObject({ provider: 'anthropic', outcome: 'skipped', errorClass: 'circuit_open' });
    expect((await probe).provider).toBe('anthropic');

    // Closed again, for both processes.
    expect((await first.health()).providers['anthropic']?.circuit).toBe('closed');
    expect((await child.send<LlmHealth>('health')).providers['anthropic']?.circuit).toBe('closed');
    expect((await first.complete(ask)).provider).toBe('anthropic');
  });
});
