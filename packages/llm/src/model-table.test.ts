import { buildModelChain, DEFAULT_MODEL_CHAIN, resolveModel } from './model-table';

const allKeys = { anthropic: 'a', openai: 'o', google: 'g' };

describe('resolveModel', () => {
  it.each([
    ['claude-3-7-sonnet', 'anthropic:claude-sonnet-5-5'],
    ['gpt-4o', 'openai:gpt-4o'],
    ['gemini-2.0', 'google:gemini-3.8-flash'],
    ['anthropic:claude-opus-5-5', 'anthropic:claude-opus-5-5'],
    ['claude-haiku-4-5', 'anthropic:claude-haiku-4-5'],
    ['gemini-2.5-pro', 'google:gemini-2.5-pro'],
    ['models/gemini-2.5-flash', 'google:gemini-2.5-flash'],
    ['google:gemini-2.0', 'google:gemini-3.8-flash'],
    ['o4-mini', 'openai:o4-mini'],
    // Unknown ids go to the OpenAI wire format (Ollama, vLLM); their colons are part of the id.
    ['llama3.1:8b', 'openai:llama3.1:8b'],
    ['openai:qwen2.5:14b', 'openai:qwen2.5:14b'],
    ['simulated', 'simulated:simulated'],
  ])('%s → %s', (name, ref) => {
    expect(resolveModel(name).ref).toBe(ref);
  });

  it('knows which models take a temperature and which token parameter', () => {
    expect(resolveModel('gpt-5.6-sol')).toMatchObject({ acceptsTemperature: false, maxTokensParam: 'max_completion_tokens' });
    expect(resolveModel('gpt-4o')).toMatchObject({ acceptsTemperature: true, maxTokensParam: 'max_completion_tokens' });
    expect(resolveModel('llama3.1')).toMatchObject({ acceptsTemperature: true, maxTokensParam: 'max_tokens' });
    expect(resolveModel('claude-sonnet-5-5').acceptsTemperature).toBe(false);
    expect(resolveModel('gemini-3.8-flash').acceptsTemperature).toBe(true);
  });

  it('rejects an empty name', () => {
    expect(() => resolveModel('  ')).toThrow('empty model name');
  });
});

describe('buildModelChain', () => {
  it('defaults to the current model of each provider', () => {
    expect(buildModelChain({ mode: 'live', keys: allKeys, modelChain: [] }).map((m) => m.ref)).toEqual([...DEFAULT_MODEL_CHAIN]);
  });

  it("puts the agent's model first, then MESH_MODEL_CHAIN, without duplicates", () => {
    const chain = buildModelChain({ mode: 'live', keys: allKeys, modelChain: ['gpt-4o', 'claude-3-7-sonnet', 'anthropic:claude-sonnet-5-5'] }, 'claude-3-7-sonnet');
    expect(chain.map((m) => m.ref)).toEqual(['anthropic:claude-sonnet-5-5', 'openai:gpt-4o']);
  });

  it('skips providers without a key', () => {
    const chain = buildModelChain({ mode: 'live', keys: { google: 'g' }, modelChain: [] }, 'gpt-4o');
    expect(chain.map((m) => m.ref)).toEqual(['google:gemini-3.8-flash']);
  });

  it('is the simulated model only in simulated mode', () => {
    expect(buildModelChain({ mode: 'simulated', keys: allKeys, modelChain: ['gpt-4o'] }, 'claude-3-7-sonnet').map((m) => m.ref)).toEqual(['simulated:simulated']);
  });

  it('may end in the simulated provider in live mode, as a last resort', () => {
    expect(buildModelChain({ mode: 'live', keys: {}, modelChain: ['gpt-4o', 'simulated'] }).map((m) => m.ref)).toEqual(['simulated:simulated']);
  });
});
