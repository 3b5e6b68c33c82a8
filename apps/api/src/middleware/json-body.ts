import { isUtf8 } from 'node:buffer';
import { isCleanString, MeshError, PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from '@mesh/core';
import express, { type RequestHandler } from 'express';

export interface JsonBodyOptions {
  limitBytes: number;
  /** A route whose body schema needs a body answers 415 to a request without JSON, even an empty one. */
  bodyRequired: boolean;
}

/** `application/json` or a `+json` type, parameters (charset) aside: body-parser checks the charset. */
export function isJsonMediaType(contentType: string | undefined): boolean {
  const mediaType = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return mediaType === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(mediaType);
}

/**
 * JSON exchanged between systems is UTF-8 (RFC 8259 §8.1): a declared charset must say so.
 * body-parser alone would decode any `utf-*` (UTF-16 included) and replace invalid bytes.
 */
export function hasUtf8Charset(contentType: string | undefined): boolean {
  const charset = /;\s*charset\s*=\s*"?([^";\s]*)"?/i.exec(contentType ?? '')?.[1]?.toLowerCase();
  return charset === undefined || charset === 'utf-8' || charset === 'utf8';
}

/** Thrown from body-parser's `verify` hook: the bytes are not UTF-8 (they would be silently replaced). */
function assertUtf8(_req: unknown, _res: unknown, body: Buffer): void {
  if (!isUtf8(body)) throw Object.assign(new Error('request body is not valid UTF-8'), { type: 'encoding.invalid_utf8', status: 400 });
}

/** Keys that could reach a prototype if a body were ever merged into an object. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Far deeper than any valid body; bounds the walk below on hostile input. */
const MAX_BODY_DEPTH = 64;

/**
 * Defence in depth over the whole parsed body, whatever the route's schema: no prototype keys
 * and no NUL bytes or lone surrogates anywhere (Postgres rejects those in text and JSONB, which
 * would otherwise surface as a 500 from a field whose schema forgot to check).
 */
export function findUnsafeJson(value: unknown, path: string[] = []): { path: string; message: string } | null {
  const at = () => path.join('.') || 'body';
  if (path.length > MAX_BODY_DEPTH) return { path: at(), message: `nested deeper than ${MAX_BODY_DEPTH} levels` };
  if (typeof value === 'string') return isCleanString(value) ? null : { path: at(), message: 'must not contain NUL bytes or invalid unicode' };
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const problem = findUnsafeJson(item, [...path, String(i)]);
      if (problem) return problem;
    }
    return null;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (FORBIDDEN_KEYS.has(key)) return { path: [...path, key].join('.'), message: `key "${key}" is not allowed` };
      if (!isCleanString(key)) return { path: at(), message: 'a key contains a NUL byte or invalid unicode' };
      const problem = findUnsafeJson(item, [...path, key]);
      if (problem) return problem;
    }
  }
  return null;
}

function hasBody(headers: { 'transfer-encoding'?: string; 'content-length'?: string }): boolean {
  if (headers['transfer-encoding'] !== undefined) return true;
  return headers['content-length'] !== undefined && headers['content-length'] !== '0';
}

/** body-parser's errors (they carry a `type`) in the API's error shape. */
function toMeshError(err: unknown, limitBytes: number): MeshError | unknown {
  const type = typeof err === 'object' && err !== null && 'type' in err ? String((err as { type: unknown }).type) : undefined;
  switch (type) {
    case 'entity.too.large':
      return new PayloadTooLargeError(`${limitBytes} bytes`);
    case 'entity.parse.failed':
      return new ValidationError('Malformed JSON in the request body', [{ path: 'body', message: 'is not valid JSON' }]);
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return new UnsupportedMediaTypeError();
    case 'encoding.invalid_utf8':
      return new ValidationError('The request body is not valid UTF-8', [{ path: 'body', message: 'contains invalid UTF-8 bytes' }]);
    case 'request.aborted':
    case 'request.size.invalid':
      return new ValidationError('The request body was incomplete', [{ path: 'body', message: 'incomplete' }]);
    default:
      return err;
  }
}

/**
 * Reads a JSON body for one route: 415 unless it is JSON (an empty body is fine on routes that
 * need none), 413 over the limit, 400 when malformed or unsafe. Leaves `req.body` undefined when
 * there is no body.
 */
export function jsonBody(options: JsonBodyOptions): RequestHandler {
  const parse = express.json({ limit: options.limitBytes, strict: true, type: () => true, verify: assertUtf8 });
  return (req, res, next) => {
    const present = hasBody(req.headers);
    const isJson = isJsonMediaType(req.headers['content-type']);
    if (!present && (!options.bodyRequired || isJson)) {
      req.body = undefined;
      next();
      return;
    }
    if (!isJson || !hasUtf8Charset(req.headers['content-type'])) {
      next(new UnsupportedMediaTypeError());
      return;
    }
    parse(req, res, (err?: unknown) => {
      if (err) {
        next(toMeshError(err, options.limitBytes));
        return;
      }
      const problem = findUnsafeJson(req.body);
      next(problem ? new ValidationError('Invalid request body', [problem]) : undefined);
    });
  };
}
