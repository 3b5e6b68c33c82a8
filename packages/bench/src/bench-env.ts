import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { createDb, dropSchema, migrate, type Db } from '@mesh/store';
import { deleteKeys } from '@mesh/testing';

export const BENCH_TENANT = 'bench';
export const BENCH_API_KEY = 'bench-key-0123456789abcdef';

export interface BenchEnvOptions {
  databaseUrl: string;
  redisUrl: string;
}

/**
 * One scenario's isolated world, like createTestEnv: its own migrated schema
 * (`bench_<scenario>_<rand>`) and queue prefix (`bench-<scenario>-<rand>`) on the local
 * services, and the environment the launched processes share. `cleanup` drops both.
 */
export interface BenchEnv {
  scenario: string;
  schema: string;
  queuePrefix: string;
  env: Record<string, string>;
  db: Db;
  redis: Redis;
  cleanup(): Promise<void>;
}

export async function createBenchEnv(scenario: string, options: BenchEnvOptions): Promise<BenchEnv> {
  const tag = scenario.toLowerCase().replace(/[^a-z0-9]+/g, '_');
  const suffix = randomBytes(3).toString('hex');
  const schema = `bench_${tag}_${suffix}`;
  const queuePrefix = `bench-${tag.replace(/_/g, '-')}-${suffix}`;
  await migrate({ url: options.databaseUrl, schema });
  const db = createDb({ url: options.databaseUrl, schema, poolSize: 4, applicationName: `bench:${schema}` });
  const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    DATABASE_URL: options.databaseUrl,
    REDIS_URL: options.redisUrl,
    MESH_DB_SCHEMA: schema,
    MESH_QUEUE_PREFIX: queuePrefix,
    MESH_API_KEYS: `${BENCH_TENANT}:${BENCH_API_KEY}`,
    MESH_LLM_PROVIDER: 'simulated',
    // The benchmark drives one tenant far past the per-tenant brakes meant for real traffic.
    MESH_RATE_LIMIT_PER_MINUTE: '0',
    MESH_MAX_QUEUED_TASKS_PER_TENANT: '0',
    // Signs nothing here (no callback_urls); set so production mode does not warn.
    MESH_WEBHOOK_SECRET: 'bench-webhook-secret-not-used-0123456789',
  };
  return {
    scenario,
    schema,
    queuePrefix,
    env,
    db,
    redis,
    async cleanup() {
      await deleteKeys(redis, `${queuePrefix}*`).catch(() => 0);
      await deleteKeys(redis, `{${queuePrefix}}*`).catch(() => 0);
      redis.disconnect();
      await db.close().catch(() => {});
      // MESH_BENCH_KEEP_SCHEMA=1 keeps the scenario's data to look at afterwards (EXPLAIN, pg_stat_statements).
      if (process.env.MESH_BENCH_KEEP_SCHEMA !== '1') await dropSchema(options.databaseUrl, schema).catch(() => {});
    },
  };
}
