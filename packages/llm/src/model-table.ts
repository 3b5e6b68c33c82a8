import type { LlmConfig, LlmProviderName } from '@mesh/config';

export type ProviderName = LlmProviderName;
export const LIVE_PROVIDERS = ['anthropic', 'openai', 'google'] as const;
export type LiveProviderName = (typeof LIVE_PROVIDERS)[number];

/** A chain entry after alias resolution. `ref` is the canonical `provider:model-id`. */
export interface ResolvedModel {
  provider: ProviderName;
  model: string;
  ref: string;
  /** Whether the model accepts a temperature (Anthropic's current models and OpenAI's reasoning models answer 400 to one). */
  acceptsTemperature: boolean;
  /** OpenAI's newer models take max_completion_tokens; OpenAI-compatible local servers often only max_tokens. */
  maxTokensParam: 'max_tokens' | 'max_completion_tokens';
}

/**
 * The default chain: the current general-purpose model of each provider, as listed in the
 * installed SDKs' own model types and examples (@anthropic-ai/sdk 1.14 `Model`, openai 6.49
 * `ChatModel`, @google/genai 2.32 model ids). Balanced tier first (not the most expensive),
 * because every subtask of every task goes through it.
 */
export const DEFAULT_MODEL_CHAIN: readonly string[] = ['anthropic:claude-sonnet-5-5', 'openai:gpt-5.6-sol', 'google:gemini-3.8-flash'];

/** The simulated provider's one model. */
export const SIMULATED_MODEL: ResolvedModel = {
  provider: 'simulated',
  model: 'simulated',
  ref: 'simulated:simulated',
  acceptsTemperature: true,
  maxTokensParam: 'max_tokens',
};

/**
 * Names that are not themselves current API ids. The seed's names map to the current model of
 * the same line: claude-3-7-sonnet was retired, and "gemini-2.0" was never an id. gpt-4o is
 * still served by the API under that id, so it stays itself (see `inferProvider`).
 */
export const MODEL_ALIASES: Readonly<Record<string, string>> = {
  'claude-3-7-sonnet': 'anthropic:claude-sonnet-5-5',
  'claude-3-7-sonnet-latest': 'anthropic:claude-sonnet-5-5',
  'claude-3-7-sonnet-20250219': 'anthropic:claude-sonnet-5-5',
  'claude-sonnet': 'anthropic:claude-sonnet-5-5',
  'claude-opus': 'anthropic:claude-opus-5-5',
  'claude-haiku': 'anthropic:claude-haiku-5-5',
  'gemini-2.0': 'google:gemini-3.8-flash',
  'gemini-flash': 'google:gemini-3.8-flash',
  'gemini-pro': 'google:gemini-pro-latest',
  gpt: 'openai:gpt-5.6-sol',
  simulated: 'simulated:simulated',
};

const PROVIDER_PREFIXES: Readonly<Record<string, ProviderName>> = {
  anthropic: 'anthropic',
  claude: 'anthropic',
  openai: 'openai',
  google: 'google',
  gemini: 'google',
  simulated: 'simulated',
};

/** Which provider serves a plain id. Unknown ids go to OpenAI, whose wire format local servers (Ollama, vLLM) speak. */
export function inferProvider(modelId: string): ProviderName {
  const id = modelId.toLowerCase();
  if (id.startsWith('claude')) return 'anthropic';
  if (id.startsWith('gemini') || id.startsWith('gemma') || id.startsWith('models/')) return 'google';
  return 'openai';
}

// GPT-5 family and o-series are reasoning models: only the default temperature is accepted.
const OPENAI_REASONING = /^(gpt-5|o\d)/i;
const OPENAI_NATIVE = /^(gpt-|o\d|chatgpt-|codex-)/i;

function describe(provider: ProviderName, model: string): ResolvedModel {
  const ref = `${provider}:${model}`;
  switch (provider) {
    case 'anthropic':
      return { provider, model, ref, acceptsTemperature: false, maxTokensParam: 'max_tokens' };
    case 'openai':
      return {
        provider,
        model,
        ref,
        acceptsTemperature: !OPENAI_REASONING.test(model),
        maxTokensParam: OPENAI_NATIVE.test(model) ? 'max_completion_tokens' : 'max_tokens',
      };
    case 'google':
      return { provider, model: model.replace(/^models\//, ''), ref: `google:${model.replace(/^models\//, '')}`, acceptsTemperature: true, maxTokensParam: 'max_tokens' };
    case 'simulated':
      return SIMULATED_MODEL;
    default: {
      const unreachable: never = provider;
      throw new Error(`unknown provider ${String(unreachable)}`);
    }
  }
}

/** `provider:id` when the prefix names a provider; undefined otherwise. */
function parseRef(text: string): { provider: ProviderName; id: string } | undefined {
  const colon = text.indexOf(':');
  if (colon <= 0) return undefined;
  const provider = PROVIDER_PREFIXES[text.slice(0, colon).toLowerCase()];
  const id = text.slice(colon + 1).trim();
  return provider && id ? { provider, id } : undefined;
}

function aliasTarget(id: string): { provider: ProviderName; id: string } | undefined {
  const alias = MODEL_ALIASES[id.toLowerCase()];
  return alias ? parseRef(alias) : undefined;
}

/**
 * `provider:model-id`, an alias, or a plain id. A prefix that is not a provider name is part of
 * the id (Ollama ids such as `llama3.1:8b` contain a colon).
 */
export function resolveModel(name: string): ResolvedModel {
  const trimmed = name.trim();
  if (!trimmed) throw new Error('empty model name');
  const alias = aliasTarget(trimmed);
  if (alias) return describe(alias.provider, alias.id);
  const ref = parseRef(trimmed);
  if (ref) {
    // An alias under its own provider's prefix (google:gemini-2.0) resolves; under another
    // provider (openai:claude-3-7-sonnet) the caller's provider and id are kept as given.
    const target = aliasTarget(ref.id);
    if (target && target.provider === ref.provider) return describe(target.provider, target.id);
    return describe(ref.provider, ref.id);
  }
  return describe(inferProvider(trimmed), trimmed);
}

export function isProviderConfigured(provider: ProviderName, config: Pick<LlmConfig, 'keys'>): boolean {
  if (provider === 'simulated') return true;
  return Boolean(config.keys[provider]);
}

/**
 * The agent's own model first, then the configured chain (or the default), without duplicates
 * and without models whose provider has no key. In simulated mode, the simulated model only.
 */
export function buildModelChain(config: Pick<LlmConfig, 'mode' | 'keys' | 'modelChain'>, agentModel?: string | null): ResolvedModel[] {
  if (config.mode === 'simulated') return [SIMULATED_MODEL];
  const names = [...(agentModel?.trim() ? [agentModel] : []), ...(config.modelChain.length > 0 ? config.modelChain : DEFAULT_MODEL_CHAIN)];
  const chain: ResolvedModel[] = [];
  const seen = new Set<string>();
  for (const name of names) {
    let resolved: ResolvedModel;
    try {
      resolved = resolveModel(name);
    } catch {
      continue;
    }
    if (seen.has(resolved.ref) || !isProviderConfigured(resolved.provider, config)) continue;
    seen.add(resolved.ref);
    chain.push(resolved);
  }
  return chain;
}
