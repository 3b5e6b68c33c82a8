import type { Redis } from 'ioredis';
import { ProviderError } from '@mesh/core';
import type { LlmRateLimit } from '@mesh/config';
import { abortableSleep } from './abortable-sleep';
import { RedisScript } from './redis-script';

export interface RateLimiterOptions {
  redis: Redis;
  /** Already ends in `:llm:`. */
  keyPrefix: string;
  /** The limits are per this window: 60 000 ms makes them per minute. */
  windowMs: number;
  limitFor: (provider: string) => LlmRateLimit;
  now?: () => number;
}

/**
 * Two token buckets per provider (requests and tokens) in one Redis hash, refilled continuously
 * at limit/window. Takes from both or from neither; answers 0 when granted or the ms to wait.
 */
const TAKE = new RedisScript(`
local key = KEYS[1]
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local rpm = tonumber(ARGV[3])
local tpm = tonumber(ARGV[4])
local need = tonumber(ARGV[5])
local function level(field, stamp, cap)
  local value = tonumber(redis.call('HGET', key, field) or cap)
  local at = tonumber(redis.call('HGET', key, stamp) or now)
  if now > at then value = value + (now - at) * cap / window end
  if value > cap then value = cap end
  return value
end
local wait = 0
local r = 0
local t = 0
if rpm > 0 then
  r = level('r', 'rAt', rpm)
  if r < 1 then wait = math.max(wait, (1 - r) * window / rpm) end
end
if tpm > 0 then
  t = level('t', 'tAt', tpm)
  if t < need then wait = math.max(wait, (need - t) * window / tpm) end
end
if wait > 0 then return math.ceil(wait) end
if rpm > 0 then redis.call('HSET', key, 'r', r - 1, 'rAt', now) end
if tpm > 0 then redis.call('HSET', key, 't', t - need, 'tAt', now) end
redis.call('PEXPIRE', key, window * 2)
return 0
`);

/** Settles a reservation against the tokens actually used; the bucket may go below zero, which delays the next callers. */
const ADJUST = new RedisScript(`
local key = KEYS[1]
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local tpm = tonumber(ARGV[3])
local delta = tonumber(ARGV[4])
local value = tonumber(redis.call('HGET', key, 't') or tpm)
local at = tonumber(redis.call('HGET', key, 'tAt') or now)
if now > at then value = value + (now - at) * tpm / window end
if value > tpm then value = tpm end
value = value - delta
if value > tpm then value = tpm end
redis.call('HSET', key, 't', value, 'tAt', now)
redis.call('PEXPIRE', key, window * 2)
return 1
`);

/** The limit cannot be met before the call's deadline. */
export function localRateLimitError(provider: string, model: string, message: string): ProviderError {
  return new ProviderError(`${provider}:${model} rate_limited_locally: ${message}`, { provider, model, retryable: false, errorClass: 'rate_limited_locally' });
}

/**
 * Fleet-wide rate limit per provider, kept in Redis so it holds across every process. A call
 * that would exceed it waits for capacity, bounded by its deadline, rather than failing.
 */
export class RateLimiter {
  private readonly now: () => number;

  constructor(private readonly options: RateLimiterOptions) {
    if (options.windowMs <= 0) throw new Error('windowMs must be positive');
    this.now = options.now ?? Date.now;
  }

  key(provider: string): string {
    return `${this.options.keyPrefix}ratelimit:${provider}`;
  }

  isLimited(provider: string): boolean {
    const limit = this.options.limitFor(provider);
    return limit.requestsPerMinute > 0 || limit.tokensPerMinute > 0;
  }

  /** Waits for one request and `tokens` tokens (the reservation) of `provider`'s budget. Returns the ms waited. */
  async acquire(provider: string, model: string, tokens: number, deadlineAt: number, signal: AbortSignal): Promise<number> {
    const limit = this.options.limitFor(provider);
    if (limit.requestsPerMinute <= 0 && limit.tokensPerMinute <= 0) return 0;
    const started = this.now();
    // A reservation larger than the whole bucket is capped at it, so a big request waits for a
    // full bucket instead of never running; settle() books what it really used.
    const need = limit.tokensPerMinute > 0 ? Math.min(limit.tokensPerMinute, Math.max(1, Math.ceil(tokens))) : 0;
    for (;;) {
      const wait = Number(
        await TAKE.run(this.options.redis, [this.key(provider)], [this.now(), this.options.windowMs, limit.requestsPerMinute, limit.tokensPerMinute, need]),
      );
      if (wait === 0) return this.now() - started;
      const remaining = deadlineAt - this.now();
      if (wait > remaining) throw localRateLimitError(provider, model, `the fleet-wide limit frees capacity in ${wait} ms, after the call's deadline`);
      // A little jitter so waiters that woke together do not race for the same slot every time.
      await abortableSleep(wait + Math.floor(Math.random() * Math.min(50, wait)), signal);
    }
  }

  /** After the attempt: return unused reserved tokens, or take the overrun (the bucket may go below zero). */
  async settle(provider: string, reservedTokens: number, usedTokens: number): Promise<void> {
    const limit = this.options.limitFor(provider);
    if (limit.tokensPerMinute <= 0) return;
    const delta = Math.ceil(usedTokens) - Math.ceil(reservedTokens);
    if (delta === 0) return;
    await ADJUST.run(this.options.redis, [this.key(provider)], [this.now(), this.options.windowMs, limit.tokensPerMinute, delta]);
  }
}
