import { isMeshError, MeshError, NotFoundError, RateLimitedError, ServiceUnavailableError, ValidationError, type ErrorBody, type MeshErrorCode } from '@mesh/core';
import type { Logger } from '@mesh/observability';
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { ZodError } from 'zod';
import { toErrorDetails } from './validate';

const CODE_BY_STATUS: Partial<Record<number, MeshErrorCode>> = {
  400: 'validation_error',
  401: 'unauthorized',
  404: 'not_found',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  431: 'headers_too_large',
  429: 'rate_limited',
};

/** An http-errors style error from Express or body-parser with a 4xx status it is safe to expose. */
function clientHttpError(err: unknown): MeshError | null {
  if (typeof err !== 'object' || err === null) return null;
  const { status, expose, message } = err as { status?: unknown; expose?: unknown; message?: unknown };
  if (typeof status !== 'number' || status < 400 || status >= 500) return null;
  return new MeshError(CODE_BY_STATUS[status] ?? 'validation_error', status, expose === true && typeof message === 'string' ? message : 'Bad request');
}

/** pg-pool's message when no connection became free in time: the database is overloaded, not broken. */
const POOL_TIMEOUT_MESSAGE = 'timeout exceeded when trying to connect';

function toMeshError(err: unknown): MeshError | null {
  if (isMeshError(err)) return err;
  if (err instanceof ZodError) return new ValidationError('Invalid request', toErrorDetails(err, 'body'));
  if (err instanceof Error && err.message === POOL_TIMEOUT_MESSAGE) return new ServiceUnavailableError('The database is busy; retry shortly', err);
  return clientHttpError(err);
}

export function sendError(res: Response, error: MeshError): void {
  if (error instanceof RateLimitedError) res.setHeader('Retry-After', String(error.retryAfterSeconds));
  // Browsers (the console, Bull Board) prompt for the key on this challenge and resend it; API clients ignore it.
  if (error.status === 401) res.setHeader('WWW-Authenticate', 'Basic realm="agent-mesh"');
  const body: ErrorBody = {
    error: { code: error.code, message: error.message, ...(error.details !== undefined ? { details: error.details } : {}) },
  };
  res.status(error.status).json(body);
}

/**
 * The one place errors become responses: MeshErrors keep their status, code, message and
 * details; anything else is a 500 with a generic message. The real error (stack, SQL) goes to the
 * log only, never to the client.
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const known = toMeshError(err);
    const error = known ?? new MeshError('internal_error', 500, 'Internal server error');
    if (error.status >= 500) {
      logger.error('request failed', {
        method: req.method,
        path: req.path,
        status: error.status,
        tenant_id: res.locals.tenantId,
        error: err,
        stack: err instanceof Error ? err.stack : undefined,
        cause: err instanceof Error && err.cause !== undefined ? err.cause : undefined,
      });
    }
    sendError(res, error);
  };
}

/** Unknown routes (and unknown methods on known paths) answer 404 in the error shape. */
export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new NotFoundError(`Route ${req.method} ${req.path}`));
};
