import { CreateNetworkBody, Network, NetworkList, NetworkListQuery, NotFoundError, UpdateNetworkBody } from '@mesh/core';
import { deleteNetwork } from '@mesh/tasks';
import { builtinToolCatalog, checkAgentTools, NEW_NETWORK_TOOLS_HINT } from '../agent-tools';
import { NetworkParams } from './path-params';
import { defineRoute, type RouteDefinition } from './route-definition';

const TAG = 'networks';

export const networkRoutes: RouteDefinition[] = [
  defineRoute({
    method: 'post',
    path: '/networks',
    summary: 'Create a network (the five default agents when none are given); its agents may list built-in tools only',
    tag: TAG,
    body: CreateNetworkBody,
    responses: { 201: { description: 'The network with its agents', schema: Network } },
    errors: [400, 413, 415],
    async handle({ deps, tenantId, body }) {
      const lists = (body.agents ?? []).map((agent, i) => ({ patterns: agent.tools, path: `agents.${i}.tools` }));
      checkAgentTools(builtinToolCatalog(deps), lists, NEW_NETWORK_TOOLS_HINT);
      return { status: 201, body: await deps.store.networks.create(tenantId, body) };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/networks',
    summary: "List the tenant's networks with agent, task and memory counts, newest first",
    tag: TAG,
    query: NetworkListQuery,
    responses: { 200: { description: 'A page of networks and the total', schema: NetworkList } },
    errors: [400],
    async handle({ deps, tenantId, query }) {
      return { status: 200, body: await deps.store.networks.list(tenantId, query) };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/networks/:network_id',
    summary: 'Get a network with its agents and counts',
    tag: TAG,
    params: NetworkParams,
    responses: { 200: { description: 'The network', schema: Network } },
    errors: [400, 404],
    async handle({ deps, tenantId, params }) {
      const network = await deps.store.networks.get(tenantId, params.network_id);
      if (!network) throw new NotFoundError('Network', params.network_id);
      return { status: 200, body: network };
    },
  }),
  defineRoute({
    method: 'patch',
    path: '/networks/:network_id',
    summary:
      "Change a network's settings: name, description, shared_context, max_iterations, timeout_seconds, approvals (merged: name only what changes) " +
      'and approval_timeout_seconds. Tasks already submitted keep the settings they started with',
    tag: TAG,
    params: NetworkParams,
    body: UpdateNetworkBody,
    responses: { 200: { description: 'The network as it is now', schema: Network } },
    errors: [400, 404, 413, 415],
    async handle({ deps, tenantId, params, body }) {
      const network = await deps.store.networks.update(tenantId, params.network_id, body);
      if (!network) throw new NotFoundError('Network', params.network_id);
      deps.logger.info('network updated', { tenant_id: tenantId, network_id: params.network_id, settings: Object.keys(body) });
      return { status: 200, body: network };
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/networks/:network_id',
    summary: 'Delete a network with its agents, tools, tasks and memory; waiting jobs of its tasks are removed',
    tag: TAG,
    params: NetworkParams,
    responses: { 204: { description: 'Deleted', schema: null } },
    errors: [400, 404],
    async handle({ deps, tenantId, params }) {
      if (!(await deleteNetwork(deps, tenantId, params.network_id))) throw new NotFoundError('Network', params.network_id);
      return { status: 204 };
    },
  }),
];
