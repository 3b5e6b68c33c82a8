import { RunList, RunListQuery, TrendQuery, TrendReport, ValidationError } from '@mesh/core';
import { requireNetwork } from '../require-network';
import { defineRoute, type RouteDefinition } from './route-definition';

/** Find any run (the console's Runs page) and how runs went over time (its Over time page). */
export const runRoutes: RouteDefinition[] = [
  defineRoute({
    method: 'get',
    path: '/runs',
    summary:
      "The tenant's tasks across all its networks, newest first: filtered by status, network, agent type (a subtask of that type ran), creation time [from, to) and cost, searched (`q`, case-insensitive) in the task's text, result and error, and paged",
    tag: 'tasks',
    query: RunListQuery,
    responses: { 200: { description: 'A page of runs and the total that match', schema: RunList } },
    errors: [400, 404],
    async handle({ deps, tenantId, query }) {
      if (query.network_id) await requireNetwork(deps, tenantId, query.network_id);
      const { runs, total } = await deps.store.runs.search(tenantId, query);
      const body: RunList = { runs, total, limit: query.limit, offset: query.offset };
      return { status: 200, body };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/trends',
    summary:
      "Over time: the tenant's tasks created in [from, to) (default: the last 14 UTC days, today included) per UTC day — throughput, outcomes, failure rate (failed and timed out over those that ended), duration average and p95, cost and tokens — and their subtasks per agent type",
    tag: 'usage',
    query: TrendQuery,
    responses: { 200: { description: 'One row per day of the range, and one per agent type', schema: TrendReport } },
    errors: [400, 404],
    async handle({ deps, tenantId, query }) {
      if (query.network_id) await requireNetwork(deps, tenantId, query.network_id);
      const to = query.to ? new Date(query.to) : tomorrowUtc();
      const from = query.from ? new Date(query.from) : new Date(to.getTime() - 14 * 86_400_000);
      if (to.getTime() - from.getTime() > 366 * 86_400_000) throw new ValidationError('The range is at most 366 days', [{ path: 'from', message: 'at most 366 days before to' }]);
      const body = await deps.store.trends.report(tenantId, { from, to, ...(query.network_id ? { networkId: query.network_id } : {}) });
      return { status: 200, body };
    },
  }),
];

/** The start of tomorrow (UTC): a range that ends there includes all of today. */
function tomorrowUtc(now = new Date()): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));
}
