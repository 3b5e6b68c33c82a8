import express, { type Express } from 'express';
import type { ApiDeps } from './api-deps';
import { createApiRouter } from './api-router';
import { errorHandler, notFoundHandler } from './middleware/error-handler';
import { API_BASE_PATH } from './routes/api-routes';

/** The HTTP API as an Express app: wiring only, no listening (tests run it in-process). */
export function createApp(deps: ApiDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // `?a=1&a=2` arrives as an array and fails validation; no nested `a[b]=` objects.
  app.set('query parser', 'simple');

  app.use(API_BASE_PATH, createApiRouter(deps));
  // Operations surfaces mount here, before the 404 handler: Bull Board at /admin/queues (same
  // API-key auth: middleware/auth.ts), /metrics, and OpenAPI at /api/mesh/openapi.json with docs
  // at /api/mesh/docs (generated from routes/api-routes.ts). SSE task events are a route in that table.

  app.use(notFoundHandler);
  app.use(errorHandler(deps.logger));
  return app;
}
