import { context } from '@opentelemetry/api';
import express, { type RequestHandler, type Router } from 'express';
import type { ApiDeps } from './api-deps';
import { ApiKeyResolver, authenticate } from './middleware/auth';
import { jsonBody } from './middleware/json-body';
import { isMultipartMediaType, multipartBody } from './middleware/multipart-body';
import { rateLimit } from './middleware/rate-limit';
import { requestTraceContext } from './middleware/trace-requests';
import { validateRequest } from './middleware/validate';
import { API_ROUTES } from './routes/api-routes';
import type { RouteDefinition } from './routes/route-definition';
import './request-locals';

/** Calls the route's handler with its validated input and sends what it answers. */
function runHandler(route: RouteDefinition, deps: ApiDeps): RequestHandler {
  return async (_req, res) => {
    const input = res.locals.input;
    if (!input) throw new Error(`route ${route.method.toUpperCase()} ${route.path} ran without validated input`);
    const controller = new AbortController();
    res.once('close', () => controller.abort());
    const handle = () => route.handle({ ...input, uploads: res.locals.uploads ?? [], tenantId: res.locals.tenantId ?? '', deps, signal: controller.signal });
    // Back inside the request's span: body parsing resumes the chain from stream callbacks, which lose it.
    const traceContext = requestTraceContext(res);
    const result = await (traceContext ? context.with(traceContext, handle) : handle());
    for (const [name, value] of Object.entries(result.headers ?? {})) res.setHeader(name, value);
    if (result.respond) {
      res.status(result.status);
      await (traceContext ? context.with(traceContext, () => result.respond?.(res)) : result.respond(res));
      return;
    }
    if (result.body === undefined) res.status(result.status).end();
    else res.status(result.status).json(result.body);
  };
}

/** The body reader of a route that reads one: JSON, and multipart too for routes that take uploads. */
function bodyReader(route: RouteDefinition, deps: ApiDeps): RequestHandler {
  const json = jsonBody({ limitBytes: route.bodyLimitBytes?.(deps.config) ?? deps.config.http.bodyLimitBytes, bodyRequired: route.bodyRequired });
  const uploads = route.uploads;
  if (!uploads) return json;
  const multipart = multipartBody(uploads.bodyField, uploads.limits(deps.config));
  return (req, res, next) => (isMultipartMediaType(req.headers['content-type']) ? multipart : json)(req, res, next);
}

/**
 * Mounts a route table: per route, authentication and the tenant's rate limit (unless public),
 * the JSON body reader (POST), validation with the route's schemas, then the handler.
 */
export function createApiRouter(deps: ApiDeps, routes: readonly RouteDefinition[] = API_ROUTES): Router {
  const router = express.Router();
  const guard: RequestHandler[] = [
    authenticate(new ApiKeyResolver({ apiKeys: deps.config.apiKeys, keyStore: deps.store.apiKeys })),
    rateLimit({ redis: deps.redis, prefix: deps.config.queuePrefix, limit: deps.config.limits.requestsPerMinute, logger: deps.logger }),
  ];
  for (const route of routes) {
    const chain: RequestHandler[] = [
      ...(route.auth ? guard : []),
      ...(route.method === 'post' || route.method === 'put' || route.method === 'patch' ? [bodyReader(route, deps)] : []),
      validateRequest(route),
      runHandler(route, deps),
    ];
    router[route.method](route.path, ...chain);
  }
  return router;
}
