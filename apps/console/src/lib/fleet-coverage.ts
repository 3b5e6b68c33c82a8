import type { Health } from '@mesh/core';

/**
 * Which agent types have a live worker, as the console shows it: the health report names the
 * types no worker serves, and adding an agent of such a type answers 201 with `warnings`.
 */

/** What serves `agentType`: the same fix the API's warning names. */
export function workerFix(agentType: string): string {
  return `start a worker with --agents ${agentType} or --agents all`;
}

/** The agent types no live worker serves; empty before the report arrives or from an older API that does not say. */
export function unservedTypes(health: Partial<Pick<Health, 'unserved_agent_types'>> | undefined): ReadonlySet<string> {
  const types = health?.unserved_agent_types;
  return new Set(Array.isArray(types) ? types.filter((t): t is string => typeof t === 'string') : []);
}

/** The `warnings` of an added agent (the client's Agent type does not declare them; an older API sends none). */
export function agentWarnings(created: unknown): string[] {
  if (typeof created !== 'object' || created === null || !('warnings' in created)) return [];
  const { warnings } = created;
  return Array.isArray(warnings) ? warnings.filter((w): w is string => typeof w === 'string' && w.trim() !== '') : [];
}
