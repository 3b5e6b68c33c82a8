import { AdminBudgetQuery, Budget, BudgetList, ForbiddenError, NotFoundError, PutBudgetBody, PutWeightBody, UsageQuery, UsageReport, WeightList } from '@mesh/core';
import { z } from 'zod';
import type { ApiDeps } from '../api-deps';
import { requireNetwork } from '../require-network';
import { defineRoute, type RouteDefinition } from './route-definition';

const TAG = 'usage';
const BudgetParams = z.strictObject({ budget_id: z.uuid() });

/** Budgets are set by operators: keys of MESH_ADMIN_TENANTS only (and none while it is unset). */
function requireAdmin(deps: Pick<ApiDeps, 'config'>, tenantId: string): void {
  const admins = deps.config.adminTenants;
  if (admins === null) throw new ForbiddenError('Budgets are set by operators: set MESH_ADMIN_TENANTS to the tenants whose keys may set them');
  if (!admins.includes(tenantId)) throw new ForbiddenError('This API key may not set budgets (MESH_ADMIN_TENANTS)');
}

/** The start of the current UTC month. */
function monthStart(now = new Date()): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
}

export const budgetRoutes: RouteDefinition[] = [
  defineRoute({
    method: 'get',
    path: '/usage',
    summary:
      "The tenant's own model usage (tokens, cost, calls) in [from, to), grouped by network, agent_type, model or day (UTC); default: this UTC month so far, by day. Summed from the recorded model calls, as budgets are",
    tag: TAG,
    query: UsageQuery,
    responses: { 200: { description: 'The usage', schema: UsageReport } },
    errors: [400, 404],
    async handle({ deps, tenantId, query }) {
      if (query.network_id) await requireNetwork(deps, tenantId, query.network_id);
      const to = query.to ? new Date(query.to) : new Date();
      const from = query.from ? new Date(query.from) : monthStart(to);
      const report = await deps.store.budgets.usage(tenantId, { from, to, groupBy: query.group_by, ...(query.network_id ? { networkId: query.network_id } : {}) });
      return { status: 200, body: report };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/budgets',
    summary: "The tenant's budgets (its own and its networks'), each with what its current period has used",
    tag: TAG,
    responses: { 200: { description: 'The budgets', schema: BudgetList } },
    async handle({ deps, tenantId }) {
      return { status: 200, body: { budgets: await deps.store.budgets.list(tenantId) } };
    },
  }),
  defineRoute({
    method: 'put',
    path: '/admin/budgets',
    summary:
      'Operators (MESH_ADMIN_TENANTS): set the token and/or cost budget of a tenant, or of one of its networks, per UTC day or month (replacing the one of that scope and period). At 80 % a budget.warning event; at 100 % new tasks get 402 and running ones stop before their next model call',
    tag: TAG,
    body: PutBudgetBody,
    responses: { 201: { description: 'Set (new)', schema: Budget }, 200: { description: 'Set (replaced)', schema: Budget } },
    errors: [400, 403, 404, 413, 415],
    async handle({ deps, tenantId, body }) {
      requireAdmin(deps, tenantId);
      if (body.network_id) await requireNetwork(deps, body.tenant_id, body.network_id);
      const { budget, created } = await deps.store.budgets.put(body);
      deps.logger.info('budget set', { by_tenant: tenantId, tenant_id: body.tenant_id, network_id: body.network_id, period: body.period, max_tokens: body.max_tokens, max_cost_usd: body.max_cost_usd });
      return { status: created ? 201 : 200, body: budget };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/admin/budgets',
    summary: 'Operators (MESH_ADMIN_TENANTS): every budget (of one tenant with ?tenant_id=), with its usage',
    tag: TAG,
    query: AdminBudgetQuery,
    responses: { 200: { description: 'The budgets', schema: BudgetList } },
    errors: [400, 403],
    async handle({ deps, tenantId, query }) {
      requireAdmin(deps, tenantId);
      return { status: 200, body: { budgets: await deps.store.budgets.list(query.tenant_id) } };
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/admin/budgets/:budget_id',
    summary: 'Operators (MESH_ADMIN_TENANTS): remove a budget',
    tag: TAG,
    params: BudgetParams,
    responses: { 204: { description: 'Removed', schema: null } },
    errors: [400, 403, 404],
    async handle({ deps, tenantId, params }) {
      requireAdmin(deps, tenantId);
      if (!(await deps.store.budgets.get(params.budget_id))) throw new NotFoundError('Budget', params.budget_id);
      await deps.store.budgets.delete(params.budget_id);
      return { status: 204 };
    },
  }),
  defineRoute({
    method: 'put',
    path: '/admin/weights',
    summary:
      "Operators (MESH_ADMIN_TENANTS): a tenant's weight in fair scheduling — jobs are ordered by each tenant's unfinished tasks per unit of weight, so a tenant of weight 2 gets twice the share of one of weight 1 (null: back to MESH_TENANT_WEIGHTS or 1)",
    tag: TAG,
    body: PutWeightBody,
    responses: { 200: { description: 'Every weight now in force', schema: WeightList } },
    errors: [400, 403, 413, 415],
    async handle({ deps, tenantId, body }) {
      requireAdmin(deps, tenantId);
      await deps.queues.load.setWeight(body.tenant_id, body.weight);
      deps.logger.info('tenant weight set', { by_tenant: tenantId, tenant_id: body.tenant_id, weight: body.weight });
      return { status: 200, body: { weights: await deps.queues.load.weights() } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/admin/weights',
    summary: 'Operators (MESH_ADMIN_TENANTS): the fair-scheduling weights in force (tenants not listed weigh 1)',
    tag: TAG,
    responses: { 200: { description: 'The weights', schema: WeightList } },
    errors: [403],
    async handle({ deps, tenantId }) {
      requireAdmin(deps, tenantId);
      return { status: 200, body: { weights: await deps.queues.load.weights() } };
    },
  }),
];
