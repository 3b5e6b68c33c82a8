import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { loadConfig, type MeshConfig } from '@mesh/config';
import type { Pool } from 'pg';
import { createDb, createStore, dropSchema, migrate, type Db, type Store } from '@mesh/store';

export const TEST_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEST_REDIS_URL = 'redis://127.0.0.1:6379';

export interface TestEnv {
  /** Unique per test file: a Postgres schema and a queue/key prefix nobody else uses. */
  schema: string;
  queuePrefix: string;
  /** Environment for processes started by the test (API, coordinator, workers). */
  env: Record<string, string>;
  config: MeshConfig;
  db: Db;
  store: Store;
  redis: Redis;
  cleanup(): Promise<void>;
}

export interface TestEnvOptions {
  /** The Postgres the schema is created in and dropped from (default TEST_DATABASE_URL); an override's DATABASE_URL still wins. */
  databaseUrl?: string;
  /** Connections of the environment's pool (default 5). */
  poolSize?: number;
  /**
   * Sets the search_path with a statement on every new connection: for a server that ignores the
   * startup option createDb sends (PGlite's socket server does).
   */
  setSearchPathOnConnect?: boolean;
}

/** A short lowercase tag from a test name, usable in schema names and Redis keys. */
function tag(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '').slice(0, 24) || 'test';
}

/**
 * Creates an isolated environment for one test file: its own migrated schema, its own queue
 * prefix, and a config that points at them. `cleanup` drops both.
 */
export async function createTestEnv(name: string, overrides: Record<string, string> = {}, options: TestEnvOptions = {}): Promise<TestEnv> {
  const suffix = randomBytes(4).toString('hex');
  const schema = `t_${tag(name)}_${suffix}`;
  const queuePrefix = `test-${tag(name)}-${suffix}`;
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    DATABASE_URL: options.databaseUrl ?? TEST_DATABASE_URL,
    REDIS_URL: TEST_REDIS_URL,
    MESH_DB_SCHEMA: schema,
    MESH_QUEUE_PREFIX: queuePrefix,
    MESH_API_KEYS: 'tenant-a:key-tenant-a-123,tenant-b:key-tenant-b-456',
    MESH_LLM_PROVIDER: 'simulated',
    MESH_SIM_LATENCY_MS: '0',
    ...overrides,
  };
  const config = loadConfig(env);
  await migrate({ url: config.database.url, schema });
  const db = createDb({ url: config.database.url, schema, poolSize: options.poolSize ?? 5, applicationName: `test:${schema}` });
  if (options.setSearchPathOnConnect) db.pool.on('connect', (client) => void client.query(`SET search_path TO "${schema}"`).catch(() => {}));
  const poolClosed = connectionsClosed(db.pool);
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: null, lazyConnect: false });
  return {
    schema,
    queuePrefix,
    env,
    config,
    db,
    store: createStore(db, { vectorIndex: config.embeddings.vectorIndex }),
    redis,
    async cleanup() {
      await deleteKeys(redis, `${queuePrefix}*`).catch(() => {});
      await deleteKeys(redis, `{${queuePrefix}}*`).catch(() => {});
      redis.disconnect();
      await db.close().catch(() => {});
      await poolClosed();
      await dropSchema(config.database.url, schema).catch(() => {});
    },
  };
}

/**
 * Waits until every connection the pool opened has closed: pg-pool's end() resolves before its
 * sockets close, and a server that takes one connection at a time (PGlite's) refuses the next
 * one until then. Bounded, so that cleanup never hangs on a connection that does not end.
 */
function connectionsClosed(pool: Pool): () => Promise<void> {
  let open = 0;
  let onAllClosed: (() => void) | undefined;
  pool.on('connect', () => open++);
  pool.on('remove', () => {
    open--;
    if (open === 0) onAllClosed?.();
  });
  return () =>
    open === 0
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 5_000);
          onAllClosed = () => {
            clearTimeout(timer);
            resolve();
          };
        });
}

export async function deleteKeys(redis: Redis, pattern: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}
