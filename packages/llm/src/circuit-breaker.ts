import type { Redis } from 'ioredis';
import { RedisScript } from './redis-script';

export type CircuitState = 'closed' | 'open' | 'half_open';

export interface CircuitTransition {
  ref: string;
  from: CircuitState;
  to: CircuitState;
}

export interface CircuitBreakerOptions {
  redis: Redis;
  /** Already ends in `:llm:`. */
  keyPrefix: string;
  /** Consecutive failures that open the circuit. */
  failureThreshold: number;
  /** Failure share within `windowMs` that opens it once `minRequests` were seen; 0 = off. */
  failureRate: number;
  minRequests: number;
  windowMs: number;
  /** How long the circuit stays open before one probe may go through. */
  cooldownMs: number;
  /** How long a half-open probe holds its lease; when it lapses (the prober died) another process may probe. */
  probeLeaseMs: number;
  now?: () => number;
}

const ACQUIRE = new RedisScript(`
local key = KEYS[1]
local now = tonumber(ARGV[1])
local lease = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])
local state = redis.call('HGET', key, 'state')
if not state or state == 'closed' then return {'closed', 1, 0} end
if state == 'open' then
  local openUntil = tonumber(redis.call('HGET', key, 'openUntil') or '0')
  if now < openUntil then return {'open', 0, 0} end
  redis.call('HSET', key, 'state', 'half_open', 'probeUntil', now + lease)
  redis.call('PEXPIRE', key, ttl)
  return {'half_open', 1, 1}
end
local probeUntil = tonumber(redis.call('HGET', key, 'probeUntil') or '0')
if now < probeUntil then return {'half_open', 0, 0} end
redis.call('HSET', key, 'probeUntil', now + lease)
redis.call('PEXPIRE', key, ttl)
return {'half_open', 1, 0}
`);

// A success closes a half-open circuit; successes of requests that started before the circuit
// opened do not close an open one (only a probe after the cool-down does).
const SUCCESS = new RedisScript(`
local key = KEYS[1]
local now = tonumber(ARGV[1])
local windowMs = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])
local state = redis.call('HGET', key, 'state') or 'closed'
if state == 'open' then return 'open' end
if state == 'half_open' then
  redis.call('DEL', key)
  redis.call('HSET', key, 'state', 'closed', 'failures', 0, 'windowStart', now, 'windowTotal', 1, 'windowFailures', 0)
  redis.call('PEXPIRE', key, ttl)
  return 'half_open'
end
local ws = tonumber(redis.call('HGET', key, 'windowStart') or '0')
if now - ws >= windowMs then
  redis.call('HSET', key, 'windowStart', now, 'windowTotal', 1, 'windowFailures', 0)
else
  redis.call('HINCRBY', key, 'windowTotal', 1)
end
redis.call('HSET', key, 'state', 'closed', 'failures', 0)
redis.call('PEXPIRE', key, ttl)
return 'closed'
`);

const FAILURE = new RedisScript(`
local key = KEYS[1]
local now = tonumber(ARGV[1])
local threshold = tonumber(ARGV[2])
local rate = tonumber(ARGV[3])
local minRequests = tonumber(ARGV[4])
local windowMs = tonumber(ARGV[5])
local cooldown = tonumber(ARGV[6])
local ttl = tonumber(ARGV[7])
local errorClass = ARGV[8]
local state = redis.call('HGET', key, 'state') or 'closed'
redis.call('HSET', key, 'lastError', errorClass, 'lastFailureAt', now)
local function open()
  redis.call('HSET', key, 'state', 'open', 'openedAt', now, 'openUntil', now + cooldown, 'probeUntil', 0, 'failures', 0, 'windowStart', now, 'windowTotal', 0, 'windowFailures', 0)
  redis.call('PEXPIRE', key, ttl)
end
if state == 'open' then return 'open' end
if state == 'half_open' then
  open()
  return 'reopened'
end
local failures = redis.call('HINCRBY', key, 'failures', 1)
local ws = tonumber(redis.call('HGET', key, 'windowStart') or '0')
local total
local fails
if now - ws >= windowMs then
  redis.call('HSET', key, 'windowStart', now, 'windowTotal', 1, 'windowFailures', 1)
  total = 1
  fails = 1
else
  total = redis.call('HINCRBY', key, 'windowTotal', 1)
  fails = redis.call('HINCRBY', key, 'windowFailures', 1)
end
if failures >= threshold or (rate > 0 and total >= minRequests and fails / total >= rate) then
  open()
  return 'opened'
end
redis.call('HSET', key, 'state', 'closed')
redis.call('PEXPIRE', key, ttl)
return 'closed'
`);

const RELEASE_PROBE = new RedisScript(`
if redis.call('HGET', KEYS[1], 'state') == 'half_open' then
  redis.call('HSET', KEYS[1], 'probeUntil', 0)
end
return 1
`);

export interface CircuitAcquire {
  allowed: boolean;
  state: CircuitState;
  /** This caller holds the half-open probe. */
  probe: boolean;
  transition?: CircuitTransition;
}

export interface CircuitSnapshot {
  state: CircuitState;
  consecutiveFailures: number;
  openUntil?: number;
  lastError?: string;
}

/**
 * Circuit breaker per provider+model whose state lives in Redis, so every process skips a dead
 * model as soon as one process has seen it die. closed → open after `failureThreshold`
 * consecutive failures or a failure rate; open → half_open after the cool-down, when exactly
 * one caller (in the whole fleet) gets to probe; half_open → closed on its success, → open on
 * its failure.
 */
export class CircuitBreaker {
  private readonly now: () => number;
  private readonly ttlMs: number;

  constructor(private readonly options: CircuitBreakerOptions) {
    if (options.failureThreshold < 1) throw new Error('failureThreshold must be at least 1');
    if (options.cooldownMs <= 0) throw new Error('cooldownMs must be positive');
    this.now = options.now ?? Date.now;
    // Keys outlive any cool-down or window, then expire so retired models leave nothing behind.
    this.ttlMs = Math.max(24 * 3600_000, options.cooldownMs * 4, options.windowMs * 4);
  }

  key(ref: string): string {
    return `${this.options.keyPrefix}breaker:${ref}`;
  }

  async acquire(ref: string): Promise<CircuitAcquire> {
    const [state, allowed, transitioned] = (await ACQUIRE.run(this.options.redis, [this.key(ref)], [this.now(), this.options.probeLeaseMs, this.ttlMs])) as [CircuitState, number, number];
    return {
      allowed: allowed === 1,
      state,
      probe: state === 'half_open' && allowed === 1,
      ...(transitioned === 1 ? { transition: { ref, from: 'open' as const, to: 'half_open' as const } } : {}),
    };
  }

  async recordSuccess(ref: string): Promise<CircuitTransition | undefined> {
    const before = (await SUCCESS.run(this.options.redis, [this.key(ref)], [this.now(), this.options.windowMs, this.ttlMs])) as string;
    return before === 'half_open' ? { ref, from: 'half_open', to: 'closed' } : undefined;
  }

  async recordFailure(ref: string, errorClass: string): Promise<CircuitTransition | undefined> {
    const o = this.options;
    const outcome = (await FAILURE.run(o.redis, [this.key(ref)], [this.now(), o.failureThreshold, o.failureRate, o.minRequests, o.windowMs, o.cooldownMs, this.ttlMs, errorClass])) as string;
    if (outcome === 'reopened') return { ref, from: 'half_open', to: 'open' };
    if (outcome === 'opened') return { ref, from: 'closed', to: 'open' };
    return undefined;
  }

  /** A probe that ended without a verdict (the caller aborted): let the next caller probe at once. */
  async releaseProbe(ref: string): Promise<void> {
    await RELEASE_PROBE.run(this.options.redis, [this.key(ref)], []);
  }

  /** For health and metrics: an open circuit whose cool-down has passed reads as half_open. */
  async snapshot(ref: string): Promise<CircuitSnapshot> {
    const [state, failures, openUntil, lastError] = await this.options.redis.hmget(this.key(ref), 'state', 'failures', 'openUntil', 'lastError');
    const until = openUntil ? Number(openUntil) : undefined;
    let effective: CircuitState = state === 'open' || state === 'half_open' ? state : 'closed';
    if (effective === 'open' && until !== undefined && this.now() >= until) effective = 'half_open';
    return {
      state: effective,
      consecutiveFailures: failures ? Number(failures) : 0,
      ...(effective === 'open' && until !== undefined ? { openUntil: until } : {}),
      ...(lastError ? { lastError } : {}),
    };
  }
}
