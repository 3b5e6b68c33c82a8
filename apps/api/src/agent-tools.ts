import { ValidationError, type ErrorDetail } from '@mesh/core';
import { ToolCatalog } from '@mesh/tools';
import type { ApiDeps } from './api-deps';

/** An agent's `tools` entries and where the request carries them (`agent_config.tools`, `agents.2.tools`). */
export interface AgentToolList {
  patterns: readonly string[];
  path: string;
}

/**
 * Checks agents' `tools` entries against a network's catalog (its registered tools and the
 * built-ins this server offers), each entry on its own so that every unknown one is named with
 * its path (`agent_config.tools.1`). Returns the names of the registrations the entries use, for
 * the store to check again when it adds the agent. Throws one 400 listing every unknown entry.
 */
export function checkAgentTools(catalog: ToolCatalog, lists: readonly AgentToolList[], hint = ''): string[] {
  const registrations = new Set<string>();
  const problems: ErrorDetail[] = [];
  for (const { patterns, path } of lists) {
    const resolved = catalog.resolveEach(patterns, (i) => `${path}.${i}`);
    for (const tool of resolved.tools) if (tool.registration) registrations.add(tool.registration.name);
    problems.push(...resolved.problems);
  }
  if (problems.length > 0) throw new ValidationError(`Unknown tools: ${problems.map((p) => p.message).join('; ')}${hint}`, problems);
  return [...registrations];
}

/** The network's catalog: its registrations as stored, and the built-ins this server offers. */
export async function networkToolCatalog(deps: Pick<ApiDeps, 'store' | 'tools'>, tenantId: string, networkId: string): Promise<ToolCatalog> {
  return new ToolCatalog({ registered: await deps.store.tools.registeredFor(tenantId, networkId), builtins: deps.tools.builtins });
}

/** A new network has no registered tools yet: its agents may name built-ins only. */
export function builtinToolCatalog(deps: Pick<ApiDeps, 'tools'>): ToolCatalog {
  return new ToolCatalog({ registered: [], builtins: deps.tools.builtins });
}

export const NEW_NETWORK_TOOLS_HINT = ' (a new network has only the built-in tools: register its tools, then add the agents that use them)';
