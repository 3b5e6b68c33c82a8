import type { Health } from '@mesh/core';

export { agentWarnings, workerFix } from '@mesh/client';

/**
 * Which agent types have a live worker, as the console shows it: the health report names the
 * types no worker serves, and adding an agent of such a type answers 201 with `warnings`.
 */

/** The agent types no live worker serves; empty before the report arrives or from an older API that does not say. */
export function unservedTypes(health: Partial<Pick<Health, 'unserved_agent_types'>> | undefined): ReadonlySet<string> {
  const types = health?.unserved_agent_types;
  return new Set(Array.isArray(types) ? types.filter((t): t is string => typeof t === 'string') : []);
}
