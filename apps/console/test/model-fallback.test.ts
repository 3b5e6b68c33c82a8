import { modelFallback, providerOf } from '../src/lib/model-fallback';

describe('modelFallback', () => {
  it('is a fallback when another provider answered', () => {
    expect(modelFallback('anthropic:claude-sonnet-5-5', 'openai:gpt-5.6-sol')).toEqual({
      configured: 'anthropic:claude-sonnet-5-5',
      answered: 'openai:gpt-5.6-sol',
    });
    expect(modelFallback('claude-3-7-sonnet', 'google:gemini-3.8-flash')).not.toBeNull();
    expect(modelFallback('claude-3-7-sonnet', 'simulated:simulated')).not.toBeNull();
  });

  it('is a fallback when an exact model reference differs from the one that answered', () => {
    expect(modelFallback('openai:gpt-5.6-sol', 'openai:gpt-4o')).not.toBeNull();
  });

  it('is no fallback when the configured model or an alias of it answered', () => {
    expect(modelFallback('openai:gpt-4o', 'openai:gpt-4o')).toBeNull();
    expect(modelFallback('claude-3-7-sonnet', 'anthropic:claude-sonnet-5-5')).toBeNull();
    expect(modelFallback('gpt-4o', 'openai:gpt-4o')).toBeNull();
  });

  it('cannot tell without a configured model (the default chain) or before an answer', () => {
    expect(modelFallback(null, 'openai:gpt-4o')).toBeNull();
    expect(modelFallback('openai:gpt-4o', null)).toBeNull();
  });

  it('reads providers the way the model table does', () => {
    expect(providerOf('gemini:gemini-3.8-flash')).toBe('google');
    expect(providerOf('claude:claude-opus')).toBe('anthropic');
    expect(providerOf('llama3.1')).toBe('openai');
    expect(providerOf('simulated')).toBe('simulated');
  });
});
