import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context } from '@opentelemetry/api';
import type { Logger, MeshMetrics, Tracing } from '@mesh/observability';
import type { RequestHandler, Response } from 'express';
import '../request-locals';

export interface TraceRequestsOptions {
  tracing: Tracing;
  metrics: MeshMetrics;
  logger: Logger;
}

const contexts = new WeakMap<Response, Context>();

/** The context of the request's span, to re-enter where the chain resumed from a stream callback (body parsing loses it). */
export function requestTraceContext(res: Response): Context | undefined {
  return contexts.get(res);
}

/** Probes and scrapes: logged at debug, not info, or they would drown the log. */
const QUIET_PATHS = new Set(['/livez', '/readyz', '/metrics', '/api/mesh/health']);

/** The matched route template (`/api/mesh/networks/:network_id`), never the raw path: bounded span names and metric labels. */
function routeOf(req: Parameters<RequestHandler>[0]): string {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' ? `${req.baseUrl}${path}` : 'unmatched';
}

/**
 * One server span per request, continuing the caller's `traceparent` when it sends one, active
 * while the request is handled (so the task it submits records this trace); the trace id is
 * returned as `X-Trace-Id`. When the response ends: the span is named after the route, the
 * request counted, and one access-log line written.
 */
export function traceRequests(options: TraceRequestsOptions): RequestHandler {
  const { tracing, metrics, logger } = options;
  return (req, res, next) => {
    const startedAt = process.hrtime.bigint();
    // The full path (ids included, query left out): req.path is relative to the router by the time the response ends.
    const path = req.originalUrl.split('?')[0] ?? req.path;
    const parent = propagation.extract(ROOT_CONTEXT, req.headers);
    const span = tracing.tracer.startSpan(
      req.method,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method, 'url.path': path, 'url.scheme': req.protocol } },
      parent,
    );
    const ctx = trace.setSpan(parent, span);
    res.setHeader('X-Trace-Id', span.spanContext().traceId);
    contexts.set(res, ctx);
    // The route is read as soon as the handler has it (req.baseUrl is restored when routers exit).
    let route = 'unmatched';
    res.once('close', () => {
      const status = res.statusCode;
      const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
      if (route === 'unmatched') route = routeOf(req);
      span.updateName(`${req.method} ${route}`);
      span.setAttributes({ 'http.route': route, 'http.response.status_code': status });
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      metrics.httpRequestDuration.observe({ method: req.method, route, status: String(status) }, seconds);
      const fields = {
        method: req.method,
        path,
        route,
        status,
        duration_ms: Math.round(seconds * 1000),
        ...(res.locals.tenantId ? { tenant_id: res.locals.tenantId } : {}),
        trace_id: span.spanContext().traceId,
      };
      if (QUIET_PATHS.has(path) && status < 500) logger.debug('request', fields);
      else logger.info('request', fields);
      span.end();
    });
    res.once('finish', () => {
      if (route === 'unmatched') route = routeOf(req);
    });
    context.with(ctx, () => next());
  };
}
