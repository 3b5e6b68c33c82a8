import { ConfigError } from './config-error';
import { loadConfig } from './config';

const BASE = { NODE_ENV: 'test', MESH_API_KEYS: 'tenant-a:key-tenant-a-123' };

function variables(env: Record<string, string>): string[] {
  try {
    loadConfig({ ...BASE, ...env });
  } catch (err) {
    if (err instanceof ConfigError) return err.variables;
    throw err;
  }
  return [];
}

describe('Redis settings', () => {
  it('takes one Redis, or a Redis Cluster by URL or by its nodes', () => {
    expect(loadConfig(BASE).redisUrl).toBe('redis://127.0.0.1:6379');
    expect(loadConfig({ ...BASE, REDIS_URL: 'rediss://:pw@cache.internal:6380' }).redisUrl).toBe('rediss://:pw@cache.internal:6380');
    const url = 'redis-cluster://10.0.0.1:6379,10.0.0.2:6379,[fd00::3]:6379';
    expect(loadConfig({ ...BASE, REDIS_URL: url, MESH_QUEUE_PREFIX: '{mesh}' }).redisUrl).toBe(url);
    expect(loadConfig({ ...BASE, REDIS_CLUSTER_NODES: 'a.internal:7000,b.internal:7001', MESH_QUEUE_PREFIX: 'prod-{mesh}' }).redisUrl).toBe('redis-cluster://a.internal:7000,b.internal:7001');
  });

  it('on a cluster, refuses a queue prefix without a hash tag (a flow spans queues: one slot for all)', () => {
    expect(variables({ REDIS_CLUSTER_NODES: 'a:7000,b:7001' })).toEqual(['MESH_QUEUE_PREFIX']);
    expect(variables({ REDIS_URL: 'redis-cluster://a:7000', MESH_QUEUE_PREFIX: 'mesh' })).toEqual(['MESH_QUEUE_PREFIX']);
    expect(variables({ REDIS_URL: 'redis-cluster://a:7000', MESH_QUEUE_PREFIX: '{}' })).toEqual(['MESH_QUEUE_PREFIX']);
    // One Redis does not need one.
    expect(variables({ MESH_QUEUE_PREFIX: 'mesh' })).toEqual([]);
  });

  it('refuses what is not a Redis URL or a node list', () => {
    expect(variables({ REDIS_URL: 'http://cache:6379' })).toEqual(['REDIS_URL']);
    expect(variables({ REDIS_URL: 'redis-cluster://' , MESH_QUEUE_PREFIX: '{m}' })).toEqual(['REDIS_URL']);
    expect(variables({ REDIS_URL: 'redis-cluster://a:7000,b', MESH_QUEUE_PREFIX: '{m}' })).toEqual(['REDIS_URL']);
    expect(variables({ REDIS_CLUSTER_NODES: 'a:7000;b:7001', MESH_QUEUE_PREFIX: '{m}' })).toEqual(['REDIS_CLUSTER_NODES']);
  });
});
