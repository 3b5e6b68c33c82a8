import { LlmEnv, loadConfig, toLlmConfig } from '@mesh/config';

const parse = (env: Record<string, string>) => toLlmConfig(LlmEnv.parse(env));

describe('LLM configuration (packages/config/src/llm-env.ts)', () => {
  it('is simulated when no key is set, live when one is', () => {
    expect(parse({}).config.mode).toBe('simulated');
    expect(parse({ OPENAI_API_KEY: 'sk-x' }).config.mode).toBe('live');
    expect(parse({ OPENAI_API_KEY: 'sk-x', MESH_LLM_PROVIDER: 'simulated' }).config.mode).toBe('simulated');
    expect(parse({ MESH_LLM_PROVIDER: 'live' }).problems.map((p) => p.variable)).toEqual(['MESH_LLM_PROVIDER']);
  });

  it('accepts GOOGLE_API_KEY when GEMINI_API_KEY is absent', () => {
    expect(parse({ GOOGLE_API_KEY: 'g1' }).config.keys).toEqual({ google: 'g1' });
    expect(parse({ GOOGLE_API_KEY: 'g1', GEMINI_API_KEY: 'g2' }).config.keys).toEqual({ google: 'g2' });
  });

  it('reads the chain, limits, breaker and prices', () => {
    const { config, problems } = parse({
      MESH_MODEL_CHAIN: ' gpt-4o , claude-3-7-sonnet,,',
      MESH_RATE_LIMIT_RPM: '100',
      MESH_RATE_LIMIT_TPM: '50000',
      MESH_RATE_LIMITS: '{"openai": {"rpm": 500}}',
      MESH_BREAKER_FAILURE_RATE: '0.25',
      MESH_LLM_PRICES: '{"openai:gpt-4o": {"input": 2.5, "output": 10}}',
    });
    expect(problems).toEqual([]);
    expect(config.modelChain).toEqual(['gpt-4o', 'claude-3-7-sonnet']);
    expect(config.rateLimit).toEqual({ requestsPerMinute: 100, tokensPerMinute: 50000, perProvider: { openai: { requestsPerMinute: 500, tokensPerMinute: 50000 } }, windowMs: 60_000 });
    expect(config.breaker).toEqual({ failureThreshold: 5, failureRate: 0.25, minRequests: 20, windowMs: 60_000, cooldownMs: 30_000 });
    expect(config.prices).toEqual({ 'openai:gpt-4o': { input: 2.5, output: 10 } });
  });

  it('names the variable of every bad setting', () => {
    const { problems } = parse({ MESH_LLM_PRICES: '{', MESH_RATE_LIMITS: '{"mistral": {"rpm": 1}}', MESH_LLM_RETRY_MIN_MS: '5000', MESH_LLM_RETRY_MAX_MS: '100', MESH_LLM_TIMEOUT_MS: '9000', MESH_LLM_CALL_TIMEOUT_MS: '1000' });
    expect(problems.map((p) => p.variable).sort()).toEqual(['MESH_LLM_PRICES', 'MESH_LLM_RETRY_MIN_MS', 'MESH_LLM_TIMEOUT_MS', 'MESH_RATE_LIMITS']);
    expect(() => loadConfig({ MESH_BREAKER_FAILURE_RATE: '2' })).toThrow(/MESH_BREAKER_FAILURE_RATE/);
  });
});
