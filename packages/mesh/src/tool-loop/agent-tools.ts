import { ToolCatalog, type CatalogTool } from '@mesh/tools';
import type { EngineDeps } from '../engine-deps';

/**
 * The tools an agent may call in this network, from its `tools` entries. An entry that no longer
 * names anything (its tool was unregistered after the agent was configured) is left out and
 * logged: the agent works with the rest rather than failing its subtask.
 */
export async function agentTools(deps: EngineDeps, agent: { tools: readonly string[] }, scope: { tenantId: string; networkId: string }): Promise<CatalogTool[]> {
  if (!deps.tools || agent.tools.length === 0) return [];
  const catalog = new ToolCatalog({ registered: await deps.tools.registered(scope.tenantId, scope.networkId), builtins: deps.tools.builtins });
  const { tools, problems } = catalog.resolveEach(agent.tools, (i) => `tools.${i}`);
  if (problems.length > 0) deps.logger.warn('an agent names a tool the network no longer has', { network_id: scope.networkId, problems });
  return tools;
}
