import { Cluster, Redis, type ClusterNode, type RedisOptions } from 'ioredis';

export type ConnectionRole = 'producer' | 'worker';

/** `redis-cluster://host:port,host:port/…`: REDIS_URL of a Redis Cluster (any reachable nodes; the rest are discovered). */
export const CLUSTER_SCHEME = 'redis-cluster:';

export function isClusterUrl(url: string): boolean {
  return url.trim().toLowerCase().startsWith(`${CLUSTER_SCHEME}//`);
}

/** The seed nodes of a cluster URL, and its user and password (applied to every node). */
export function parseClusterUrl(url: string): { nodes: { host: string; port: number }[]; username?: string; password?: string; tls: boolean } {
  const rest = url.trim().slice(`${CLUSTER_SCHEME}//`.length);
  const at = rest.lastIndexOf('@', rest.indexOf('/') >= 0 ? rest.indexOf('/') : rest.length);
  const auth = at >= 0 ? rest.slice(0, at) : '';
  const hostsPart = (at >= 0 ? rest.slice(at + 1) : rest).split(/[/?]/)[0] ?? '';
  const [user, pass] = auth.includes(':') ? [auth.slice(0, auth.indexOf(':')), auth.slice(auth.indexOf(':') + 1)] : [auth, undefined];
  const nodes = hostsPart
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean)
    .map((h) => {
      const colon = h.lastIndexOf(':');
      const host = colon > 0 ? h.slice(0, colon).replace(/^\[|\]$/g, '') : h;
      const port = colon > 0 ? Number(h.slice(colon + 1)) : 6379;
      if (!host || !Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`invalid cluster node ${JSON.stringify(h)}`);
      return { host, port };
    });
  if (nodes.length === 0) throw new Error('a redis-cluster:// URL names at least one node');
  return {
    nodes,
    ...(user ? { username: decodeURIComponent(user) } : {}),
    ...(pass !== undefined ? { password: decodeURIComponent(pass) } : {}),
    tls: /[?&]tls=(true|1)\b/.test(url),
  };
}

/** True for a connection built on a cluster URL (a few commands must visit every master). */
export function isCluster(redis: Redis): boolean {
  return (redis as unknown) instanceof Cluster;
}

/** The masters of a cluster connection, or the connection itself. */
export function masterConnections(redis: Redis): Redis[] {
  return isCluster(redis) ? (redis as unknown as Cluster).nodes('master') : [redis];
}

/**
 * Redis connections by role. Producers (the API, enqueuing from handlers) fail fast when Redis
 * is down instead of buffering commands in memory; workers block on Redis and must wait and
 * resume after a restart (BullMQ requires maxRetriesPerRequest: null for them).
 *
 * A `redis-cluster://` URL builds an ioredis Cluster instead. It is handed out typed as Redis:
 * both speak the same commands (ioredis's shared Commander), BullMQ takes either, and every key
 * the mesh writes starts with the queue prefix, which on a cluster must be a hash tag (`{mesh}`,
 * checked by the config), so every multi-key command and Lua script stays in one slot. What
 * differs is keyless commands that see one node only: SCAN (masterConnections) and CONFIG.
 */
export function createRedisConnection(url: string, role: ConnectionRole, extra: RedisOptions = {}): Redis {
  const roleOptions: RedisOptions = role === 'producer' ? { enableOfflineQueue: false, maxRetriesPerRequest: 1 } : { maxRetriesPerRequest: null };
  const retryStrategy = (times: number) => Math.min(100 * 2 ** Math.min(times, 6), 3_000);
  let redis: Redis;
  if (isClusterUrl(url)) {
    const { nodes, username, password, tls } = parseClusterUrl(url);
    const cluster = new Cluster(nodes as ClusterNode[], {
      redisOptions: { ...roleOptions, ...(username ? { username } : {}), ...(password !== undefined ? { password } : {}), ...(tls ? { tls: {} } : {}), ...extra },
      // Producers fail fast; workers queue their commands while the cluster fails over.
      enableOfflineQueue: role !== 'producer',
      clusterRetryStrategy: retryStrategy,
      // A master failing over answers CLUSTERDOWN or TRYAGAIN for a moment: retry, then follow MOVED.
      retryDelayOnClusterDown: 200,
      retryDelayOnTryAgain: 200,
      retryDelayOnFailover: 200,
      slotsRefreshTimeout: 2_000,
      ...(role === 'producer' ? {} : { maxRedirections: 64 }),
    });
    redis = cluster as unknown as Redis;
  } else {
    redis = new Redis(url, { ...roleOptions, retryStrategy, ...extra });
  }
  // Errors surface through commands; an unhandled 'error' event would crash the process.
  redis.on('error', () => {});
  return redis;
}

/**
 * A new connection like `redis` that queues commands until it is ready and never gives up on
 * one: what a subscriber needs (it subscribes as soon as it is made). A cluster's duplicate takes
 * its options apart from its nodes'.
 */
export function waitingDuplicate(redis: Redis): Redis {
  if (!isCluster(redis)) return redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
  const cluster = redis as unknown as Cluster;
  return cluster.duplicate([], { enableOfflineQueue: true, redisOptions: { ...cluster.options.redisOptions, maxRetriesPerRequest: null } }) as unknown as Redis;
}

/** Reads `maxmemory-policy`; volatile/allkeys eviction policies can drop BullMQ's lock keys and lose jobs. */
export async function checkEvictionPolicy(redis: Redis): Promise<{ ok: boolean; policy: string }> {
  try {
    // On a cluster every master answers for its own slots.
    const policies = await Promise.all(masterConnections(redis).map(async (node) => ((await node.config('GET', 'maxmemory-policy')) as string[])[1] ?? 'unknown'));
    // A cluster that has not listed its masters yet: nothing to tell.
    if (policies.length === 0) return { ok: true, policy: 'unknown' };
    const policy = policies.find((p) => p !== 'noeviction') ?? policies[0] ?? 'unknown';
    return { ok: policy === 'noeviction', policy };
  } catch {
    // Managed Redis services often disable CONFIG; we cannot tell.
    return { ok: true, policy: 'unknown' };
  }
}
