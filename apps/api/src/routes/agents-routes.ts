import { AddAgentBody, Agent } from '@mesh/core';
import { z } from 'zod';
import { checkAgentTools, networkToolCatalog } from '../agent-tools';
import { servedWarnings } from '../fleet-coverage';
import { requireNetwork } from '../require-network';
import { AgentParams, NetworkParams } from './path-params';
import { defineRoute, type RouteDefinition } from './route-definition';

const TAG = 'agents';

export const AgentList = z.object({ agents: z.array(Agent) });

/** An added agent, with what its operator should know: no live worker serves its type yet. */
export const AgentWithWarnings = Agent.extend({ warnings: z.array(z.string()).optional() });

export const agentRoutes: RouteDefinition[] = [
  defineRoute({
    method: 'post',
    path: '/networks/:network_id/agents',
    summary: "Add an agent (custom types allowed; one agent per type, one coordinator per network). Its `tools` must name the network's tools or built-ins",
    tag: TAG,
    params: NetworkParams,
    body: AddAgentBody,
    responses: { 201: { description: 'The agent; `warnings` when no live worker serves its type yet', schema: AgentWithWarnings } },
    errors: [400, 404, 409, 413, 415],
    async handle({ deps, tenantId, params, body }) {
      const { tools } = body.agent_config;
      let registeredTools: string[] = [];
      if (tools.length > 0) {
        // Another tenant's network is a 404, whatever the tools say.
        await requireNetwork(deps, tenantId, params.network_id);
        registeredTools = checkAgentTools(await networkToolCatalog(deps, tenantId, params.network_id), [{ patterns: tools, path: 'agent_config.tools' }]);
      }
      const agent = await deps.store.agents.add(tenantId, params.network_id, body.agent_config, { registeredTools });
      const warnings = await servedWarnings(deps, agent.type);
      return { status: 201, body: warnings.length > 0 ? { ...agent, warnings } : agent };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/networks/:network_id/agents',
    summary: "List a network's agents",
    tag: TAG,
    params: NetworkParams,
    responses: { 200: { description: 'The agents, oldest first', schema: AgentList } },
    errors: [400, 404],
    async handle({ deps, tenantId, params }) {
      await requireNetwork(deps, tenantId, params.network_id);
      return { status: 200, body: { agents: await deps.store.agents.list(tenantId, params.network_id) } };
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/networks/:network_id/agents/:agent_id',
    summary: 'Remove an agent (409 for the coordinator: a network keeps exactly one)',
    tag: TAG,
    params: AgentParams,
    responses: { 204: { description: 'Removed', schema: null } },
    errors: [400, 404, 409],
    async handle({ deps, tenantId, params }) {
      await deps.store.agents.delete(tenantId, params.network_id, params.agent_id);
      return { status: 204 };
    },
  }),
];
