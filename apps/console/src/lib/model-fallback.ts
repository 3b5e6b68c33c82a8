/**
 * Whether a subtask was answered by another model than its agent's own: the model that answered
 * is `subtask.model` (`provider:model`), the configured one is the agent's `model` (a
 * `provider:model` reference or an alias such as `claude-3-7-sonnet`). An alias resolves to a
 * model of its own provider, so with an alias only a change of provider counts as a fallback.
 * An agent without a model uses the deployment's default chain, which the API does not show:
 * then no fallback can be told.
 */

export interface ModelFallback {
  /** The configured model, when a fallback was taken. */
  configured: string;
  answered: string;
}

const PROVIDER_PREFIXES: Readonly<Record<string, string>> = {
  anthropic: 'anthropic',
  claude: 'anthropic',
  openai: 'openai',
  google: 'google',
  gemini: 'google',
  simulated: 'simulated',
};

/** The provider a model reference points at, the way the model table reads it. */
export function providerOf(ref: string): string {
  const lower = ref.trim().toLowerCase();
  const colon = lower.indexOf(':');
  if (colon > 0) {
    const prefix = PROVIDER_PREFIXES[lower.slice(0, colon)];
    if (prefix) return prefix;
  }
  if (lower === 'simulated') return 'simulated';
  if (lower.startsWith('claude')) return 'anthropic';
  if (lower.startsWith('gemini') || lower.startsWith('gemma') || lower.startsWith('models/')) return 'google';
  return 'openai';
}

function hasProviderPrefix(ref: string): boolean {
  const colon = ref.indexOf(':');
  return colon > 0 && PROVIDER_PREFIXES[ref.slice(0, colon).toLowerCase()] !== undefined;
}

export function modelFallback(configured: string | null | undefined, answered: string | null | undefined): ModelFallback | null {
  if (!configured || !answered) return null;
  const differentProvider = providerOf(configured) !== providerOf(answered);
  const differentModel = hasProviderPrefix(configured) && configured.trim().toLowerCase() !== answered.trim().toLowerCase();
  return differentProvider || differentModel ? { configured, answered } : null;
}
