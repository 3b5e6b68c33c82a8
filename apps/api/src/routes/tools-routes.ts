import { NotFoundError, RegisterToolBody, ToolList, ToolView } from '@mesh/core';
import { deriveTools, toolView } from '@mesh/tools';
import { z } from 'zod';
import { requireNetwork } from '../require-network';
import { NetworkParams, ToolParams } from './path-params';
import { defineRoute, type RouteDefinition } from './route-definition';

const TAG = 'tools';

/** What a registration answers: the tool as listed, and what it left out and why. */
export const RegisteredToolAnswer = ToolView.extend({
  warnings: z.array(z.string()).describe('Operations of the document or tools of the server that were left out, and why'),
});

export const toolRoutes: RouteDefinition[] = [
  defineRoute({
    method: 'post',
    path: '/networks/:network_id/tools',
    summary:
      'Register a tool: an http endpoint, an OpenAPI service (one tool per operation) or an MCP server (one tool per listed tool). ' +
      'Input schemas are compiled, the document is parsed and the server is listed now: 400 for what the request gets wrong ' +
      '(also a refused address or an unconfigured secret), 422 when the document or server it points to cannot be used',
    tag: TAG,
    params: NetworkParams,
    body: RegisterToolBody,
    responses: { 201: { description: 'The registered tool with the tools derived from it', schema: RegisteredToolAnswer } },
    errors: [400, 404, 409, 413, 415, 422],
    async handle({ deps, tenantId, params, body }) {
      // Before any outbound call: another tenant's network is a 404 and costs nothing.
      await requireNetwork(deps, tenantId, params.network_id);
      const { tools, warnings } = await deriveTools(body.tool, deps.tools.derive);
      const registered = await deps.store.tools.create(tenantId, params.network_id, { spec: body.tool, tools });
      deps.logger.info('tool registered', { tenant_id: tenantId, network_id: params.network_id, tool_id: registered.id, tool: registered.name, kind: registered.kind, tools: tools.length, warnings: warnings.length });
      return { status: 201, body: { ...toolView(registered), warnings } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/networks/:network_id/tools',
    summary: "List a network's registered tools, oldest first, each with the tools it offers (built-ins are not listed: they need no registration)",
    tag: TAG,
    params: NetworkParams,
    responses: { 200: { description: 'The registered tools', schema: ToolList } },
    errors: [400, 404],
    async handle({ deps, tenantId, params }) {
      await requireNetwork(deps, tenantId, params.network_id);
      return { status: 200, body: { tools: (await deps.store.tools.list(tenantId, params.network_id)).map(toolView) } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/networks/:network_id/tools/:tool_id',
    summary: 'Get a registered tool',
    tag: TAG,
    params: ToolParams,
    responses: { 200: { description: 'The registered tool', schema: ToolView } },
    errors: [400, 404],
    async handle({ deps, tenantId, params }) {
      const tool = await deps.store.tools.get(tenantId, params.network_id, params.tool_id);
      if (!tool) throw new NotFoundError('Tool', params.tool_id);
      return { status: 200, body: toolView(tool) };
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/networks/:network_id/tools/:tool_id',
    summary: "Remove a registered tool. 409 naming the agents while any agent's tools list it (by name, <name>.<operation> or <name>.*): remove those agents first",
    tag: TAG,
    params: ToolParams,
    responses: { 204: { description: 'Removed', schema: null } },
    errors: [400, 404, 409],
    async handle({ deps, tenantId, params }) {
      await deps.store.tools.delete(tenantId, params.network_id, params.tool_id);
      return { status: 204 };
    },
  }),
];
