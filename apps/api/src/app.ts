import express, { type Express } from 'express';
import type { ApiDeps } from './api-deps';
import { createApiRouter } from './api-router';
import { BULL_BOARD_PATH, createBullBoardRouter } from './bull-board';
import { CONSOLE_BASE_PATH, createConsoleRouter } from './console-static';
import { createDocsAssetsRouter } from './docs-assets';
import { DOCS_ASSETS_PATH } from './openapi/docs-page';
import { ApiKeyResolver, authenticate } from './middleware/auth';
import { errorHandler, notFoundHandler } from './middleware/error-handler';
import { requireHostHeader } from './middleware/require-host';
import { rateLimit } from './middleware/rate-limit';
import { traceRequests } from './middleware/trace-requests';
import { createOpsRouter } from './ops-routes';
import { createRootRouter } from './root-route';
import { API_BASE_PATH } from './routes/api-routes';

/** The HTTP API as an Express app: wiring only, no listening (tests run it in-process). */
export function createApp(deps: ApiDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // `?a=1&a=2` arrives as an array and fails validation; no nested `a[b]=` objects.
  app.set('query parser', 'simple');
  // First: every request gets its span (and its access-log line) whatever answers it.
  app.use(traceRequests({ tracing: deps.tracing, metrics: deps.metrics, logger: deps.logger }));
  app.use(requireHostHeader);

  // The API reference page's files (Swagger UI), ahead of the route table's 404.
  app.use(`${API_BASE_PATH}${DOCS_ASSETS_PATH}`, createDocsAssetsRouter(deps));
  app.use(API_BASE_PATH, createApiRouter(deps));
  // Operations surfaces: /livez, /readyz, /metrics; Bull Board at /admin/queues behind the API's
  // key auth. OpenAPI (/api/mesh/openapi.json), docs (/api/mesh/docs) and SSE task events are
  // routes of the table in routes/api-routes.ts.
  app.use(createOpsRouter(deps));
  app.use(
    BULL_BOARD_PATH,
    createBullBoardRouter(deps, {
      guard: [
        authenticate(new ApiKeyResolver({ apiKeys: deps.config.apiKeys, keyStore: deps.store.apiKeys })),
        rateLimit({ redis: deps.redis, prefix: deps.config.queuePrefix, limit: deps.config.limits.requestsPerMinute, logger: deps.logger }),
      ],
    }),
  );

  // The web console (apps/console's build), behind the same key auth.
  app.use(CONSOLE_BASE_PATH, createConsoleRouter(deps));
  // `/` itself: a browser goes to the console, anything else gets the paths of the console and docs.
  app.use(createRootRouter());

  app.use(notFoundHandler);
  app.use(errorHandler(deps.logger));
  return app;
}
