import type { LlmConfig } from '@mesh/config';
import type { Health } from '@mesh/core';
import type { LlmHealth } from '@mesh/llm';

/** The model client's health in the shape of the health report (per-model detail left out). */
export function toHealthLlmClient(health: LlmHealth): Health['llm_client'] {
  const providers: Health['llm_client']['providers'] = {};
  for (const [name, provider] of Object.entries(health.providers)) {
    providers[name] = { configured: provider.configured, circuit: provider.circuit };
  }
  return { mode: health.mode, providers };
}

/**
 * The model layer's health as far as configuration tells: the mode and which providers have a
 * key. It cannot see circuit state, so every circuit reads `closed`; it stands in when the
 * client's own `health()` cannot be read.
 */
export function llmHealthFromConfig(llm: LlmConfig): Health['llm_client'] {
  const providers: Health['llm_client']['providers'] = {
    anthropic: { configured: llm.keys.anthropic !== undefined, circuit: 'closed' },
    openai: { configured: llm.keys.openai !== undefined, circuit: 'closed' },
    google: { configured: llm.keys.google !== undefined, circuit: 'closed' },
  };
  if (llm.mode === 'simulated') providers['simulated'] = { configured: true, circuit: 'closed' };
  return { mode: llm.mode, providers };
}
