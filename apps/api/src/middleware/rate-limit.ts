import { RateLimitedError } from '@mesh/core';
import type { Logger } from '@mesh/observability';
import type { RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import '../request-locals';

export interface RateLimitOptions {
  redis: Redis;
  /** Key prefix (the queue prefix), so deployments sharing a Redis keep their own buckets. */
  prefix: string;
  /** Requests per tenant per window; 0 turns the limit off. */
  limit: number;
  windowMs?: number;
  logger: Logger;
}

const DEFAULT_WINDOW_MS = 60_000;

/**
 * A fixed window per tenant, counted atomically in Redis so every API process shares it. The
 * window starts with the tenant's first request and the key expires with it.
 */
const COUNT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if count == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}`;

export function rateLimitKey(prefix: string, tenantId: string): string {
  return `${prefix}:ratelimit:${tenantId}:window`;
}

/** 429 `rate_limited` with `Retry-After` once a tenant exceeds its requests per window. Runs after `authenticate`. */
export function rateLimit(options: RateLimitOptions): RequestHandler {
  const windowMs = options.windowMs ?? DEFAULT_WINDOW_MS;
  return async (_req, res, next) => {
    const tenantId = res.locals.tenantId;
    if (options.limit <= 0 || tenantId === undefined) {
      next();
      return;
    }
    let count: number;
    let ttlMs: number;
    try {
      [count, ttlMs] = (await options.redis.eval(COUNT_SCRIPT, 1, rateLimitKey(options.prefix, tenantId), windowMs)) as [number, number];
    } catch (err) {
      // Redis down: serving unlimited beats refusing everything; the health route reports the outage.
      options.logger.warn('rate limit unavailable, request let through', { tenant_id: tenantId, error: err });
      next();
      return;
    }
    const resetSeconds = Math.max(1, Math.ceil(ttlMs / 1000));
    res.setHeader('RateLimit-Limit', String(options.limit));
    res.setHeader('RateLimit-Remaining', String(Math.max(0, options.limit - count)));
    res.setHeader('RateLimit-Reset', String(resetSeconds));
    if (count > options.limit) throw new RateLimitedError(`Rate limit of ${options.limit} requests per ${windowMs / 1000} s exceeded`, resetSeconds);
    next();
  };
}
