import type { LlmConfig } from '@mesh/config';
import type { Health } from '@mesh/core';
import type { Heartbeat } from '@mesh/queue';

type CircuitState = Health['llm_client']['providers'][string]['circuit'];
const SEVERITY: Record<CircuitState, number> = { closed: 0, half_open: 1, open: 2 };

/**
 * The model layer's health as the fleet reports it: every coordinator and worker puts its view
 * (mode, providers, circuits — circuit state is shared in Redis) in its heartbeat, and the worst
 * state seen for a provider wins. The API builds no model client of its own. Without any
 * heartbeat that carries it, configuration is the best account.
 */
export function fleetLlmHealth(heartbeats: Heartbeat[], llm: LlmConfig): Health['llm_client'] {
  const reported = heartbeats.flatMap((h) => (h.llm ? [h.llm] : []));
  if (reported.length === 0) return llmHealthFromConfig(llm);
  const providers: Health['llm_client']['providers'] = {};
  for (const view of reported) {
    for (const [name, provider] of Object.entries(view.providers)) {
      const seen = providers[name];
      providers[name] = {
        configured: (seen?.configured ?? false) || provider.configured,
        circuit: seen && SEVERITY[seen.circuit] >= SEVERITY[provider.circuit] ? seen.circuit : provider.circuit,
      };
    }
  }
  return { mode: reported[0]!.mode, providers };
}

/** Every model circuit the fleet reports, the worst state per `provider:model` (for the API's /metrics). */
export function fleetCircuits(heartbeats: Heartbeat[]): { provider: string; model: string; state: CircuitState }[] {
  const worst = new Map<string, CircuitState>();
  for (const h of heartbeats) {
    for (const provider of Object.values(h.llm?.providers ?? {})) {
      for (const [ref, state] of Object.entries(provider.models)) {
        const seen = worst.get(ref);
        if (!seen || SEVERITY[state] > SEVERITY[seen]) worst.set(ref, state);
      }
    }
  }
  return [...worst].map(([ref, state]) => ({ provider: ref.slice(0, ref.indexOf(':')), model: ref.slice(ref.indexOf(':') + 1), state }));
}

/**
 * The model layer's health as far as configuration tells: the mode and which providers have a
 * key. It cannot see circuit state, so every circuit reads `closed`; it stands in when no
 * process has reported its own.
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
