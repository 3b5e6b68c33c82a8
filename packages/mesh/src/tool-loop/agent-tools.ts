import { ASK_HUMAN_TOOL, ToolCatalog, type CatalogTool } from '@mesh/tools';
import type { EngineDeps } from '../engine-deps';

/**
 * The tools an agent may call in this network, from its `tools` entries. An entry that no longer
 * names anything (its tool was unregistered after the agent was configured) is left out and
 * logged: the agent works with the rest rather than failing its subtask. ask_human comes on top
 * when the task allows questions.
 */
export async function agentTools(
  deps: EngineDeps,
  agent: { tools: readonly string[] },
  scope: { tenantId: string; networkId: string },
  options: { questions?: boolean; toolIds?: readonly string[] | null } = {},
): Promise<CatalogTool[]> {
  if (!deps.tools) return [];
  // A task whose approvals allow questions lets every agent ask a person.
  const asking: CatalogTool[] = options.questions ? [{ ...ASK_HUMAN_TOOL, registration: null }] : [];
  if (agent.tools.length === 0) return asking;
  const catalog = new ToolCatalog({ registered: await deps.tools.registered(scope.tenantId, scope.networkId, options.toolIds ?? undefined), builtins: deps.tools.builtins });
  const { tools, problems } = catalog.resolveEach(agent.tools, (i) => `tools.${i}`);
  if (problems.length > 0) deps.logger.warn('an agent names a tool the network no longer has', { network_id: scope.networkId, problems });
  return [...tools, ...asking];
}
