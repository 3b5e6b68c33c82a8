import { StatsQuery, StatsReport, statsWindowMs } from '@mesh/core';
import { requireNetwork } from '../require-network';
import { NetworkParams } from './path-params';
import { defineRoute, type RouteDefinition } from './route-definition';

/** How one network did lately, per agent type and per model (the console's stats, `mesh stats`). */
export const statsRoutes: RouteDefinition[] = [
  defineRoute({
    method: 'get',
    path: '/networks/:network_id/stats',
    summary:
      "One network over the last `window` (default 7d, at most 90d): per agent type and per model its subtasks, how many completed and failed, mean confidence, people's mean rating, p50/p95 duration, tokens and cost; and the network's totals with its tasks",
    tag: 'usage',
    params: NetworkParams,
    query: StatsQuery,
    responses: { 200: { description: 'The stats of the window', schema: StatsReport } },
    errors: [400, 404],
    async handle({ deps, tenantId, params, query }) {
      await requireNetwork(deps, tenantId, params.network_id);
      const to = new Date();
      const from = new Date(to.getTime() - statsWindowMs(query.window));
      const stats = await deps.store.stats.network(tenantId, params.network_id, { from, to });
      const body: StatsReport = { network_id: params.network_id, window: query.window, from: from.toISOString(), to: to.toISOString(), ...stats };
      return { status: 200, body };
    },
  }),
];
