/**
 * Provider outages through the real model layer and the real SDKs, against the fake provider
 * server: the engine keeps completing tasks through the next model, ends them with a clear
 * error when every provider is down, and stops hammering a dead provider once its circuit opens.
 */
import {
  createTestEnv,
  meshFakeResponder,
  startFakeProviderServer,
  startInProcessMesh,
  type Fault,
  type FakeProviderServer,
  type InProcessMesh,
  type TestEnv,
} from '@mesh/testing';

let fake: FakeProviderServer;
let env: TestEnv;
let mesh: InProcessMesh;
let networkId: string;

beforeAll(async () => {
  fake = await startFakeProviderServer();
  for (const provider of ['anthropic', 'openai', 'google'] as const) fake.respondWith(provider, meshFakeResponder());
  env = await createTestEnv('outage', {
    MESH_LLM_PROVIDER: 'live',
    ANTHROPIC_API_KEY: 'sk-ant-outage-test',
    OPENAI_API_KEY: 'sk-outage-test',
    GEMINI_API_KEY: 'AIza-outage-test-xxxxxxxxxxxxxxxx',
    ANTHROPIC_BASE_URL: fake.baseUrls.anthropic,
    OPENAI_BASE_URL: fake.baseUrls.openai,
    GEMINI_BASE_URL: fake.baseUrls.google,
    MESH_LLM_RETRIES: '1',
    MESH_LLM_RETRY_MIN_MS: '20',
    MESH_LLM_RETRY_MAX_MS: '200',
    MESH_LLM_TIMEOUT_MS: '800',
    MESH_BREAKER_FAILURE_THRESHOLD: '4',
    MESH_BREAKER_COOLDOWN_MS: '600000',
  });
  mesh = await startInProcessMesh(env, undefined);
  networkId = await mesh.createNetwork({ name: 'Outages' });
});

afterEach(async () => {
  fake.clearFaults();
  // Each case starts with closed circuits.
  const keys = await env.redis.keys(`${env.queuePrefix}:llm:*`);
  if (keys.length > 0) await env.redis.del(...keys);
});

afterAll(async () => {
  await mesh.close();
  await fake.close();
  await env.cleanup();
});

const primaryFaults: [string, Fault][] = [
  ['500', { kind: 'status', status: 500 }],
  ['529 overloaded', { kind: 'status', status: 529 }],
  ['429 with retry-after', { kind: 'status', status: 429, retryAfterSeconds: 1 }],
  ['a hang', { kind: 'hang' }],
  ['malformed JSON', { kind: 'malformed_json' }],
  ['connection resets', { kind: 'reset' }],
  ['invalid output', { kind: 'invalid_output' }],
];

describe('provider outages', () => {
  it.each(primaryFaults)('completes tasks through the next model when the primary answers with %s', async (_name, fault) => {
    fake.inject('anthropic', fault);
    const task = await mesh.waitForTask(await mesh.submit(networkId, { task: `Outage drill: ${_name}` }), 30_000);
    expect(task.status).toBe('completed');
    expect(task.subtasks!.every((s) => s.status === 'completed' && s.model?.startsWith('openai:'))).toBe(true);
    const calls = await env.store.llmCalls.forTask(task.id);
    expect(calls.some((c) => c.provider === 'anthropic' && c.outcome !== 'success')).toBe(true);
    expect(calls.filter((c) => c.outcome === 'success').every((c) => c.provider === 'openai')).toBe(true);
  }, 40_000);

  it('stores each attempt of a fallback in llm_calls: failed primary attempts at chain position 0, then the answer at 1', async () => {
    // Only the first call's two attempts (MESH_LLM_RETRIES=1) fail: the plan, the task's only call at that moment.
    fake.inject('anthropic', { kind: 'status', status: 500 }, { times: 2 });
    const task = await mesh.waitForTask(await mesh.submit(networkId, { task: 'Outage drill: the stored attempts' }), 30_000);
    expect(task.status).toBe('completed');
    const calls = await env.store.llmCalls.forTask(task.id);

    const owner = { tenantId: 'tenant-a', networkId, taskId: task.id };
    const failed = calls.filter((c) => c.outcome !== 'success');
    expect(failed).toHaveLength(2);
    failed.forEach((row, i) => {
      expect(row).toMatchObject({ ...owner, provider: 'anthropic', model: 'claude-sonnet-5-5', chainPosition: 0, attempt: i + 1, outcome: 'error', errorClass: 'server' });
      expect(row.latencyMs).toBeGreaterThan(0);
      // A request the provider refused is not billed.
      expect([row.inputTokens, row.outputTokens, row.costUsd]).toEqual([0, 0, 0]);
    });

    const fallback = calls.filter((c) => c.chainPosition === 1);
    expect(fallback).toHaveLength(1);
    expect(fallback[0]).toMatchObject({ ...owner, provider: 'openai', model: 'gpt-5.6-sol', attempt: 1, outcome: 'success', errorClass: null });
    // The same call: stored right after the two failures, for the same purpose and subtask.
    expect(calls.indexOf(fallback[0]!)).toBe(calls.indexOf(failed[1]!) + 1);
    expect(calls.indexOf(failed[1]!)).toBe(calls.indexOf(failed[0]!) + 1);
    for (const row of failed) expect([row.purpose, row.subtaskId]).toEqual([fallback[0]!.purpose, fallback[0]!.subtaskId]);
    expect(fallback[0]!.purpose).toBeTruthy();

    const successes = calls.filter((c) => c.outcome === 'success');
    expect(successes.length).toBeGreaterThanOrEqual(3);
    for (const row of successes) {
      expect(row).toMatchObject({ ...owner, errorClass: null });
      expect(row.provider).toMatch(/^(anthropic|openai)$/);
      expect(row.model).toBeTruthy();
      expect(row.chainPosition).toBe(row.provider === 'anthropic' ? 0 : 1);
      expect(row.latencyMs).toBeGreaterThan(0);
      expect(row.inputTokens).toBeGreaterThan(0);
      expect(row.outputTokens).toBeGreaterThan(0);
      expect(row.costUsd).toBeGreaterThan(0);
    }
    // The task's usage is summed from these rows, failed attempts included.
    expect(task.usage).toMatchObject({
      llm_calls: calls.length,
      input_tokens: calls.reduce((n, c) => n + c.inputTokens, 0),
      output_tokens: calls.reduce((n, c) => n + c.outputTokens, 0),
    });
  }, 40_000);

  it('ends a task failed with a clear error, within a bounded time, when every provider is down', async () => {
    fake.inject('all', { kind: 'status', status: 503 });
    const started = Date.now();
    const task = await mesh.waitForTask(await mesh.submit(networkId, { task: 'Everything is down' }), 30_000);
    expect(task.status).toBe('failed');
    expect(task.error).toMatch(/^The coordinator could not plan iteration 1: All models failed: anthropic:.*openai:.*google:/);
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 40_000);

  it('stops sending to a dead provider once its circuit opens: only the failures that open it reach it', async () => {
    fake.inject('anthropic', { kind: 'status', status: 500 });
    const before = fake.requestsFor('anthropic').length;
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push(await mesh.submit(networkId, { task: `Breaker drill ${i}` }));
    const tasks = await Promise.all(ids.map((id) => mesh.waitForTask(id, 30_000)));
    expect(tasks.every((t) => t.status === 'completed')).toBe(true);
    const modelCalls = tasks.reduce((n, t) => n + t.usage.llm_calls, 0);
    const toAnthropic = fake.requestsFor('anthropic').length - before;
    // 6 tasks × 6 successful calls each went elsewhere; Anthropic saw only the failures that
    // opened its circuit (threshold 4, plus the attempts already in flight), not one per call.
    expect(toAnthropic).toBeLessThanOrEqual(12);
    expect(modelCalls).toBeGreaterThanOrEqual(36);
    const health = await mesh.runtime.llm.health();
    expect(health.providers['anthropic']?.circuit).toBe('open');
  }, 60_000);
});
