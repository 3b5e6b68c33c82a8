import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MeshConfig } from '@mesh/config';
import type { Health } from '@mesh/core';
import { createLlmClient } from '@mesh/llm';
import type { Logger } from '@mesh/observability';
import { createRedisConnection, MeshQueues, TaskEvents } from '@mesh/queue';
import { createDb, createStore, type Store } from '@mesh/store';
import type { Redis } from 'ioredis';
import { toHealthLlmClient } from './llm-health';

/** Everything the API's routes use, passed in: tests build it from their own test environment. */
export interface ApiDeps {
  config: MeshConfig;
  store: Store;
  queues: MeshQueues;
  events: TaskEvents;
  /** The producer connection: fails fast while Redis is down instead of queueing commands. */
  redis: Redis;
  logger: Logger;
  /** The model layer's mode and per-provider circuit state, for the health route. */
  llmHealth: () => Promise<Health['llm_client']>;
  version: string;
}

export interface ApiDepsOptions {
  /** How long to wait for Redis at start before going on without it (health then says so). */
  redisReadyTimeoutMs?: number;
}

const DEFAULTS = { redisReadyTimeoutMs: 5_000 };

/** The API's own version, from its package.json (one level above both src/ and dist/). */
export function readApiVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

function waitUntilReady(redis: Redis, timeoutMs: number): Promise<boolean> {
  if (redis.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ready: boolean) => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      resolve(ready);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), timeoutMs);
    redis.on('ready', onReady);
  });
}

/** Connects to Postgres and Redis as configured. Close with `closeApiDeps`. */
export async function createApiDeps(config: MeshConfig, logger: Logger, options: ApiDepsOptions = {}): Promise<ApiDeps> {
  const redis = createRedisConnection(config.redisUrl, 'producer');
  if (!(await waitUntilReady(redis, options.redisReadyTimeoutMs ?? DEFAULTS.redisReadyTimeoutMs))) {
    logger.warn('redis is not reachable yet; starting anyway (health reports it, task starts answer 503)', { redis_status: redis.status });
  }
  const db = createDb({ url: config.database.url, schema: config.database.schema, poolSize: config.database.poolSize, applicationName: 'agent-mesh-api' });
  const queues = new MeshQueues({ connection: redis, prefix: config.queuePrefix, subtaskAttempts: config.worker.subtaskAttempts });
  // The API never calls a model; the client is here for its circuit state (shared in Redis).
  const llm = createLlmClient({ config: config.llm, redis, keyPrefix: config.queuePrefix, logger });
  const llmHealth = async () => toHealthLlmClient(await llm.health());
  return {
    config,
    store: createStore(db),
    queues,
    events: new TaskEvents(redis, config.queuePrefix),
    redis,
    logger,
    llmHealth,
    version: readApiVersion(),
  };
}

export async function closeApiDeps(deps: ApiDeps): Promise<void> {
  await deps.events.close();
  await deps.queues.close().catch(() => {});
  deps.redis.disconnect();
  await deps.store.db.close().catch(() => {});
}
