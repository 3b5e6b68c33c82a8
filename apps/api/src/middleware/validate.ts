import { ValidationError, type ErrorDetail } from '@mesh/core';
import type { RequestHandler } from 'express';
import type { z } from 'zod';
import type { RouteDefinition } from '../routes/route-definition';
import '../request-locals';

export type RequestPart = 'params' | 'query' | 'body';

const MESSAGES: Record<RequestPart, string> = {
  params: 'Invalid path parameter',
  query: 'Invalid query parameter',
  body: 'Invalid request body',
};

/** zod issues as `{path: "agents.0.type", message}`; an unknown field gets its own path. */
export function toErrorDetails(error: z.ZodError, part: RequestPart): ErrorDetail[] {
  return error.issues.flatMap((issue) => {
    const path = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: [...path, key].join('.'), message: 'unknown field' }));
    }
    return [{ path: path.length > 0 ? path.join('.') : part, message: issue.message }];
  });
}

/** Parses one part of a request with its schema; a failure is a 400 naming every failing path. */
export function parseRequestPart<S extends z.ZodType>(schema: S, value: unknown, part: RequestPart): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new ValidationError(MESSAGES[part], toErrorDetails(result.error, part));
  return result.data;
}

/**
 * The query string decodes as UTF-8: Node's query parser would silently turn a malformed `%`
 * escape or invalid bytes into replacement characters, and a search would run on them.
 */
export function hasValidQueryEncoding(url: string): boolean {
  const at = url.indexOf('?');
  if (at < 0) return true;
  try {
    decodeURIComponent(url.slice(at + 1));
    return true;
  } catch {
    return false;
  }
}

/** Validates params, query and body with the route's schemas and leaves the parsed values in `res.locals.input`. */
export function validateRequest(route: RouteDefinition): RequestHandler {
  return (req, res, next) => {
    if (!hasValidQueryEncoding(req.originalUrl)) {
      throw new ValidationError(MESSAGES.query, [{ path: 'query', message: 'is not valid percent-encoded UTF-8' }]);
    }
    res.locals.input = {
      params: parseRequestPart(route.params, { ...req.params }, 'params'),
      query: parseRequestPart(route.query, { ...req.query }, 'query'),
      body: route.body ? parseRequestPart(route.body, req.body, 'body') : undefined,
    };
    next();
  };
}
