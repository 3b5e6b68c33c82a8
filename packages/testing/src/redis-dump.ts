import type { Redis } from 'ioredis';

export interface RedisEntry {
  key: string;
  type: string;
  /** The value as text: a string as is, other types as JSON (hash fields, list items, set and zset members, stream entries). */
  text: string;
}

/**
 * Every key matching `pattern` with its value, whatever its type, for tests that search what
 * the product left in Redis (job data is clear text there). A key that expires between the
 * scan and the read is skipped.
 */
export async function dumpRedis(redis: Redis, pattern: string): Promise<RedisEntry[]> {
  const entries: RedisEntry[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const type = await redis.type(key);
      const text = await readValue(redis, key, type);
      if (text !== undefined) entries.push({ key, type, text });
    }
  } while (cursor !== '0');
  return entries;
}

async function readValue(redis: Redis, key: string, type: string): Promise<string | undefined> {
  switch (type) {
    case 'string':
      return (await redis.get(key)) ?? undefined;
    case 'hash':
      return JSON.stringify(await redis.hgetall(key));
    case 'list':
      return JSON.stringify(await redis.lrange(key, 0, -1));
    case 'set':
      return JSON.stringify(await redis.smembers(key));
    case 'zset':
      return JSON.stringify(await redis.zrange(key, 0, -1));
    case 'stream':
      return JSON.stringify(await redis.xrange(key, '-', '+'));
    case 'none':
      return undefined;
    default:
      // A type this helper cannot read must not pass a search silently.
      throw new Error(`dumpRedis: cannot read key ${key} of type ${type}`);
  }
}
