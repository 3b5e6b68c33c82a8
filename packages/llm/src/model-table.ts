import type { LlmConfig, LlmProviderName } from '@mesh/config';
import type { InputModality } from './input-modality';

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
  /** What the model reads: text always, and images, PDFs or audio by model family (see inputModalitiesOf). */
  inputModalities: readonly InputModality[];
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
  // It reads nothing, but says which attachments it was given: every modality.
  inputModalities: ['text', 'image', 'pdf', 'audio'],
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

// OpenAI families that read images and PDFs in Chat Completions (vision models); audio input
// is only for the audio models (gpt-4o-audio-preview, gpt-audio). Text-only: gpt-3.5, gpt-4
// before turbo, o1-mini, o3-mini, and any id OpenAI does not serve (local servers).
const OPENAI_AUDIO = /^(gpt-4o(-mini)?-audio|gpt-audio)/i;
const OPENAI_VISION = /^(gpt-4o|gpt-4\.1|gpt-4\.5|gpt-4-turbo|gpt-5|o1(?!-mini)|o3(?!-mini)|o4|chatgpt-4o)/i;
// Gemma 3 and later read images; earlier Gemma and embedding ids read text only.
const GEMMA_VISION = /^gemma-([3-9]|\d\d)/i;

/**
 * The input modalities of a model by family, as the providers document them: every Claude
 * model since Claude 3 reads images and PDFs (no audio); Gemini reads images, PDFs and audio
 * as inline data; OpenAI per OPENAI_VISION and OPENAI_AUDIO.
 */
export function inputModalitiesOf(provider: ProviderName, model: string): readonly InputModality[] {
  const id = model.toLowerCase();
  switch (provider) {
    case 'anthropic':
      return /^claude-(2|instant)/.test(id) ? ['text'] : ['text', 'image', 'pdf'];
    case 'openai':
      if (OPENAI_AUDIO.test(id)) return ['text', 'audio'];
      return OPENAI_VISION.test(id) ? ['text', 'image', 'pdf'] : ['text'];
    case 'google':
      if (id.startsWith('gemma')) return GEMMA_VISION.test(id) ? ['text', 'image'] : ['text'];
      return id.includes('embedding') ? ['text'] : ['text', 'image', 'pdf', 'audio'];
    case 'simulated':
      return SIMULATED_MODEL.inputModalities;
    default: {
      const unreachable: never = provider;
      throw new Error(`unknown provider ${String(unreachable)}`);
    }
  }
}

/** Whether a model reads every one of these modalities; the first it cannot read otherwise. */
export function missingModality(model: Pick<ResolvedModel, 'inputModalities'>, needed: readonly InputModality[]): InputModality | undefined {
  return needed.find((m) => !model.inputModalities.includes(m));
}

function describe(provider: ProviderName, model: string): ResolvedModel {
  const ref = `${provider}:${model}`;
  switch (provider) {
    case 'anthropic':
      return { provider, model, ref, acceptsTemperature: false, maxTokensParam: 'max_tokens', inputModalities: inputModalitiesOf(provider, model) };
    case 'openai':
      return {
        provider,
        model,
        ref,
        acceptsTemperature: !OPENAI_REASONING.test(model),
        maxTokensParam: OPENAI_NATIVE.test(model) ? 'max_completion_tokens' : 'max_tokens',
        inputModalities: inputModalitiesOf(provider, model),
      };
    case 'google': {
      const id = model.replace(/^models\//, '');
      return { provider, model: id, ref: `google:${id}`, acceptsTemperature: true, maxTokensParam: 'max_tokens', inputModalities: inputModalitiesOf(provider, id) };
    }
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
