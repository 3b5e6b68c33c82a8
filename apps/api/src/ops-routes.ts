import express, { type Router } from 'express';
import type { ApiDeps } from './api-deps';
import { HEALTH_PROBE_TIMEOUT_MS } from './health-report';
import { ApiKeyResolver, authenticate } from './middleware/auth';

async function answersWithin(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([check().catch(() => false), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)))]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Operator endpoints outside the API's base path:
 * - `GET /livez`: the process answers (restart it when this fails);
 * - `GET /readyz`: Postgres and Redis answer and the process is not draining (send it traffic);
 * - `GET /metrics`: Prometheus text, behind the API key auth unless MESH_METRICS_AUTH=false.
 * The probes are health checks: unauthenticated, with tiny bodies; `/api/mesh/health` keeps the detail.
 */
export function createOpsRouter(deps: Pick<ApiDeps, 'config' | 'store' | 'redis' | 'metrics' | 'lifecycle'>): Router {
  const router = express.Router();
  router.get('/livez', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const [redisUp, databaseUp] = await Promise.all([
      answersWithin(async () => (await deps.redis.ping()) === 'PONG', HEALTH_PROBE_TIMEOUT_MS),
      answersWithin(() => deps.store.db.ping(), HEALTH_PROBE_TIMEOUT_MS),
    ]);
    const ready = redisUp && databaseUp && !deps.lifecycle.draining;
    res.setHeader('Cache-Control', 'no-store');
    res.status(ready ? 200 : 503).json({
      status: ready ? 'ready' : 'not_ready',
      ...(ready ? {} : { redis: redisUp, database: databaseUp, draining: deps.lifecycle.draining }),
    });
  });
  const guard = deps.config.metricsAuth ? [authenticate(new ApiKeyResolver({ apiKeys: deps.config.apiKeys, keyStore: deps.store.apiKeys }))] : [];
  router.get('/metrics', ...guard, async (_req, res) => {
    const { contentType, body } = await deps.metrics.render();
    res.setHeader('Content-Type', contentType);
    res.setHeader('Cache-Control', 'no-store');
    res.send(body);
  });
  return router;
}
