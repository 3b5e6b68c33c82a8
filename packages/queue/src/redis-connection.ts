import { Redis, type RedisOptions } from 'ioredis';

export type ConnectionRole = 'producer' | 'worker';

/**
 * Redis connections by role. Producers (the API, enqueuing from handlers) fail fast when Redis
 * is down instead of buffering commands in memory; workers block on Redis and must wait and
 * resume after a restart (BullMQ requires maxRetriesPerRequest: null for them).
 */
export function createRedisConnection(url: string, role: ConnectionRole, extra: RedisOptions = {}): Redis {
  const redis = new Redis(url, {
    ...(role === 'producer' ? { enableOfflineQueue: false, maxRetriesPerRequest: 1 } : { maxRetriesPerRequest: null }),
    retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 6), 3_000),
    ...extra,
  });
  // Errors surface through commands; an unhandled 'error' event would crash the process.
  redis.on('error', () => {});
  return redis;
}

/** Reads `maxmemory-policy`; volatile/allkeys eviction policies can drop BullMQ's lock keys and lose jobs. */
export async function checkEvictionPolicy(redis: Redis): Promise<{ ok: boolean; policy: string }> {
  try {
    const reply = (await redis.config('GET', 'maxmemory-policy')) as string[];
    const policy = reply[1] ?? 'unknown';
    return { ok: policy === 'noeviction', policy };
  } catch {
    // Managed Redis services often disable CONFIG; we cannot tell.
    return { ok: true, policy: 'unknown' };
  }
}
