import { Health } from '@mesh/core';
import { buildHealthReport } from '../health-report';
import { definePublicRoute, type RouteDefinition } from './route-definition';

export const healthRoutes: RouteDefinition[] = [
  definePublicRoute({
    method: 'get',
    path: '/health',
    summary: 'Service health: Redis, Postgres, model circuits, live workers (no authentication)',
    tag: 'health',
    responses: {
      200: { description: 'ok or degraded', schema: Health },
      503: { description: 'down: Redis or Postgres is unreachable', schema: Health },
    },
    async handle({ deps }) {
      const report = await buildHealthReport(deps);
      return { status: report.status === 'down' ? 503 : 200, body: report, headers: { 'Cache-Control': 'no-store' } };
    },
  }),
];
