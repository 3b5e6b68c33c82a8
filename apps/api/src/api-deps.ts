import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MeshConfig } from '@mesh/config';
import type { Health } from '@mesh/core';
import { createLlmClient } from '@mesh/llm';
import { COORDINATOR_TYPE } from '@mesh/core';
import { initTracing, MeshMetrics, type Logger, type Tracing } from '@mesh/observability';
import { agentQueueName, COORDINATOR_QUEUE, createRedisConnection, MeshQueues, TaskEvents, WEBHOOKS_QUEUE } from '@mesh/queue';
import { createDb, createStore, type Store } from '@mesh/store';
import type { Redis } from 'ioredis';
import { ApiLifecycle } from './lifecycle';
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
  /** Request spans; the trace id of the request that submits a task becomes the task's. */
  tracing: Tracing;
  metrics: MeshMetrics;
  lifecycle: ApiLifecycle;
}

export interface ApiDepsOptions {
  /** How long to wait for Redis at start before going on without it (health then says so). */
  redisReadyTimeoutMs?: number;
  /** Replaces the tracer built from config (tests pass one with an in-memory exporter). */
  tracing?: Tracing;
  metrics?: MeshMetrics;
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
  const db = createDb({
    url: config.database.url,
    schema: config.database.schema,
    poolSize: config.database.poolSize,
    applicationName: 'agent-mesh-api',
    connectionWaitMs: config.database.poolWaitMs || 5_000,
  });
  const queues = new MeshQueues({
    connection: redis,
    prefix: config.queuePrefix,
    subtaskAttempts: config.worker.subtaskAttempts,
    webhookAttempts: config.webhooks.attempts,
    webhookBackoffMs: config.webhooks.backoffMs,
  });
  const version = readApiVersion();
  const tracing =
    options.tracing ??
    initTracing({
      serviceName: 'mesh-api',
      serviceVersion: version,
      ...(config.tracing.otlpEndpoint ? { otlpEndpoint: config.tracing.otlpEndpoint, otlpHeaders: config.tracing.otlpHeaders } : {}),
    });
  const metrics = options.metrics ?? new MeshMetrics({ service: 'api' });
  // The API never calls a model; the client is here for its circuit state (shared in Redis).
  const llm = createLlmClient({
    config: config.llm,
    redis,
    keyPrefix: config.queuePrefix,
    logger,
    onAttempt: (attempt) => metrics.llmAttempt(attempt),
    onCircuitChange: (change) => metrics.circuitState(change.provider, change.model, change.to),
  });
  const llmHealth = async () => toHealthLlmClient(await llm.health());
  const store = createStore(db);
  // Scrape-time readings: queue depths (every agent type in use, custom ones too) and the fleet's circuits.
  metrics.collectQueuesWith(async () => {
    const types = (await store.agents.distinctTypes()).filter((t) => t !== COORDINATOR_TYPE);
    const names = [COORDINATOR_QUEUE, WEBHOOKS_QUEUE, ...types.map(agentQueueName)];
    return Promise.all(names.map(async (queue) => ({ queue, counts: await queues.queue(queue).getJobCounts() })));
  });
  metrics.collectCircuitsWith(async () => {
    const health = await llm.health();
    return Object.values(health.providers).flatMap((p) =>
      Object.entries(p.models).map(([ref, state]) => ({ provider: ref.slice(0, ref.indexOf(':')), model: ref.slice(ref.indexOf(':') + 1), state })),
    );
  });
  return {
    config,
    store,
    queues,
    events: new TaskEvents(redis, config.queuePrefix),
    redis,
    logger,
    llmHealth,
    version,
    tracing,
    metrics,
    lifecycle: new ApiLifecycle(),
  };
}

export async function closeApiDeps(deps: ApiDeps): Promise<void> {
  deps.lifecycle.beginDrain();
  await deps.events.close();
  await deps.queues.close().catch(() => {});
  deps.redis.disconnect();
  await deps.store.db.close().catch(() => {});
  await deps.tracing.shutdown();
}
