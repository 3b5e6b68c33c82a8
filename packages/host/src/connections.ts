import type { MeshConfig } from '@mesh/config';
import { EmbeddingModels } from '@mesh/embeddings';
import { initTracing, MeshMetrics, type Tracing } from '@mesh/observability';
import { createRedisConnection, MeshQueues, TaskEvents } from '@mesh/queue';
import { createDb, createStore, workPriority, type Db, type Store } from '@mesh/store';
import type { Redis } from 'ioredis';

/** The connections and instruments every process holds: Postgres, Redis, queues, events, tracer, metrics. */
export interface Connections {
  db: Db;
  store: Store;
  redis: Redis;
  queues: MeshQueues;
  events: TaskEvents;
  /** This process's tracer (spans exported over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set). */
  tracing: Tracing;
  /** This process's Prometheus series. */
  metrics: MeshMetrics;
  /** Memory's embedding models (the local encoder loads on first use) and the query-vector cache. */
  embeddings: EmbeddingModels;
}

export interface ConnectionsOptions {
  service: string;
  serviceVersion?: string;
  /** 'producer' fails fast while Redis is down (the API); 'worker' waits for it (BullMQ consumers). */
  redisRole: 'producer' | 'worker';
  /** How long a query waits for a pooled connection (0 in config: this default). */
  poolWaitMs: number;
  /** Replaces the tracer built from config (tests pass one with an in-memory exporter); the caller shuts it down. */
  tracing?: Tracing;
  /** Replaces the metrics registry built here (tests read it directly). */
  metrics?: MeshMetrics;
  /** The local encoder thread's nice value: workers, which encode memory in the background, set 10. */
  encoderNice?: number;
}

/** Opens the connections of one process, as configured. Close them with `closeConnections`. */
export function openConnections(config: MeshConfig, options: ConnectionsOptions): Connections {
  const db = createDb({
    url: config.database.url,
    schema: config.database.schema,
    poolSize: config.database.poolSize,
    applicationName: `mesh-${options.service}`,
    connectionWaitMs: config.database.poolWaitMs || options.poolWaitMs,
    transactionPooling: config.database.transactionPooling,
    preparedStatements: config.database.preparedStatements,
    ...(config.database.sessionUrl ? { sessionUrl: config.database.sessionUrl } : {}),
  });
  const redis = createRedisConnection(config.redisUrl, options.redisRole);
  const queues = new MeshQueues({
    connection: redis,
    prefix: config.queuePrefix,
    subtaskAttempts: config.worker.subtaskAttempts,
    webhookAttempts: config.webhooks.attempts,
    webhookBackoffMs: config.webhooks.backoffMs,
    keepCompletedCount: config.jobs.keep.completedCount,
    keepCompletedSeconds: config.jobs.keep.completedSeconds,
    keepFailedCount: config.jobs.keep.failedCount,
    keepFailedSeconds: config.jobs.keep.failedSeconds,
    tenantWeights: config.tenantWeights,
  });
  const tracing =
    options.tracing ??
    initTracing({
      serviceName: `mesh-${options.service}`,
      ...(options.serviceVersion ? { serviceVersion: options.serviceVersion } : {}),
      ...(config.tracing.otlpEndpoint ? { otlpEndpoint: config.tracing.otlpEndpoint, otlpHeaders: config.tracing.otlpHeaders } : {}),
    });
  return {
    db,
    store: createStore(db, { vectorIndex: config.embeddings.vectorIndex }),
    redis,
    queues,
    events: new TaskEvents(redis, config.queuePrefix),
    tracing,
    metrics: options.metrics ?? new MeshMetrics({ service: options.service }),
    embeddings: embeddingModels(config, options.encoderNice ? { encoderNice: options.encoderNice } : {}),
  };
}

/** The embedding models a network may choose, as configured (provider keys and base URLs are the model layer's). */
export function embeddingModels(config: MeshConfig, options: { encoderNice?: number } = {}): EmbeddingModels {
  const { keys, baseUrls } = config.llm;
  return new EmbeddingModels({
    defaultModel: config.embeddings.defaultModel,
    models: config.embeddings.models,
    keys: { ...(keys.openai ? { openai: keys.openai } : {}), ...(keys.google ? { google: keys.google } : {}) },
    baseUrls: { ...(baseUrls.openai ? { openai: baseUrls.openai } : {}), ...(baseUrls.google ? { google: baseUrls.google } : {}) },
    // The local encoder serves queries in the order of the work asking: a job's tenant share, background embedding last.
    priority: workPriority,
    ...options,
  });
}

/**
 * Closes what `openConnections` opened, in dependency order. A tracer passed in belongs to the
 * caller and is left running; one built here flushes the spans still batched for the collector.
 */
export async function closeConnections(connections: Connections, options: { ownTracing: boolean }): Promise<void> {
  await connections.events.close();
  await connections.queues.close().catch(() => {});
  if (options.ownTracing) await connections.tracing.shutdown();
  connections.redis.disconnect();
  await Promise.all([connections.db.close().catch(() => {}), connections.embeddings.close().catch(() => {})]);
}
