import { hostname } from 'node:os';
import { ConfigError, loadConfig, type MeshConfig } from '@mesh/config';
import { describeError } from '@mesh/core';
import { createLlmClient, type AttemptRecord, type LlmCallRecorder, type LlmClient } from '@mesh/llm';
import { createLogger, initTracing, MeshMetrics, startOpsServer, type Logger, type Tracing } from '@mesh/observability';
import { checkEvictionPolicy, createRedisConnection, MeshQueues, TaskEvents } from '@mesh/queue';
import { createDb, createStore, migrateWhenReachable, type Db, type Store } from '@mesh/store';
import type { Redis } from 'ioredis';
import type { EngineDeps } from './engine-deps';
import { InFlightCalls } from './in-flight-calls';
import type { ModelClient } from './model-client';
import { ContentSafety } from './safety/content-safety';
import { configuredSecrets, scrubbingLogger } from './safety/secret-scrubber';
import { meshSimulatedResponders } from './simulated-responders';
import { recordAttemptSpan, traceModelCalls } from './traced-model-client';

/** Everything a coordinator or worker process holds, built from config in one place. */
export interface Runtime {
  config: MeshConfig;
  logger: Logger;
  db: Db;
  store: Store;
  redis: Redis;
  queues: MeshQueues;
  events: TaskEvents;
  llm: LlmClient;
  engine: EngineDeps;
  /** This process's tracer (spans exported over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set). */
  tracing: Tracing;
  /** This process's Prometheus series (served on METRICS_PORT). */
  metrics: MeshMetrics;
  /** Closes BullMQ workers: waits for active jobs up to the grace period, then hands the rest back. */
  closeWorkers(workers: { close(force?: boolean): Promise<void> }[], onGraceExpired?: () => void): Promise<void>;
  close(): Promise<void>;
}

/** Persists every model attempt in llm_calls (usage and cost per task are summed from it). */
export function storeRecorder(store: Store): LlmCallRecorder {
  return {
    async record(attempts: AttemptRecord[], context) {
      await store.llmCalls.record(
        attempts.map((a) => ({
          tenantId: context.tenantId ?? null,
          networkId: context.networkId ?? null,
          taskId: context.taskId ?? null,
          subtaskId: context.subtaskId ?? null,
          purpose: a.purpose ?? context.purpose ?? null,
          provider: a.provider,
          model: a.model,
          chainPosition: a.chainPosition,
          attempt: a.attempt,
          latencyMs: a.latencyMs,
          inputTokens: a.inputTokens,
          outputTokens: a.outputTokens,
          costUsd: a.costUsd,
          outcome: a.outcome,
          errorClass: a.errorClass ?? null,
        })),
      );
    },
  };
}

export interface RuntimeOptions {
  service: string;
  logger?: Logger;
  /** Replaces the model client the engine calls (tests drive the engine with a scripted model). */
  model?: ModelClient;
  /** Replaces the tracer built from config (tests pass one with an in-memory exporter); the caller shuts it down. */
  tracing?: Tracing;
  /** Replaces the metrics registry built here (tests read it directly). */
  metrics?: MeshMetrics;
  /** Replaces the safety filter built from config (tests pass one with their own moderator). */
  safety?: ContentSafety;
}

export async function createRuntime(config: MeshConfig, options: RuntimeOptions): Promise<Runtime> {
  const logger = options.logger ?? scrubbingLogger(createLogger({ service: options.service, level: config.logLevel }), configuredSecrets(config));
  const db = createDb({
    url: config.database.url,
    schema: config.database.schema,
    poolSize: config.database.poolSize,
    applicationName: `mesh-${options.service}`,
    connectionWaitMs: config.database.poolWaitMs || 60_000,
  });
  const store = createStore(db);
  const redis = createRedisConnection(config.redisUrl, 'worker');
  const queues = new MeshQueues({
    connection: redis,
    prefix: config.queuePrefix,
    subtaskAttempts: config.worker.subtaskAttempts,
    webhookAttempts: config.webhooks.attempts,
    webhookBackoffMs: config.webhooks.backoffMs,
  });
  const events = new TaskEvents(redis, config.queuePrefix);
  const tracing =
    options.tracing ??
    initTracing({
      serviceName: `mesh-${options.service}`,
      ...(config.tracing.otlpEndpoint ? { otlpEndpoint: config.tracing.otlpEndpoint, otlpHeaders: config.tracing.otlpHeaders } : {}),
    });
  const metrics = options.metrics ?? new MeshMetrics({ service: options.service });
  const llm = createLlmClient({
    config: config.llm,
    redis,
    keyPrefix: config.queuePrefix,
    logger: logger.child({ component: 'llm' }),
    recorder: storeRecorder(store),
    responders: meshSimulatedResponders,
    onAttempt: (attempt) => {
      metrics.llmAttempt(attempt);
      recordAttemptSpan(tracing.tracer, attempt);
    },
    onCircuitChange: (change) => metrics.circuitState(change.provider, change.model, change.to),
  });
  const inFlight = new InFlightCalls();
  await events.onStop((taskId, reason) => {
    const aborted = inFlight.abortTask(taskId, reason);
    if (aborted > 0) logger.info('aborted model calls of a stopped task', { task_id: taskId, calls: aborted });
  });
  const engine: EngineDeps = {
    store,
    queues,
    events,
    logger,
    model: traceModelCalls(options.model ?? llm, tracing.tracer),
    metrics,
    inFlight,
    workerId: `${hostname()}:${process.pid}`,
    settings: { memoryTokenBudget: config.memory.tokenBudget, memoryCandidates: config.memory.candidates, taskBudget: config.llm.taskBudget },
    safety: options.safety ?? ContentSafety.fromConfig(config, logger.child({ component: 'safety' })),
  };
  return {
    config,
    logger,
    db,
    store,
    redis,
    queues,
    events,
    llm,
    engine,
    tracing,
    metrics,
    async closeWorkers(workers, onGraceExpired) {
      const graceful = Promise.all(workers.map((w) => w.close()));
      let timer: NodeJS.Timeout | undefined;
      const expired = new Promise<'expired'>((resolve) => {
        timer = setTimeout(() => resolve('expired'), config.jobs.shutdownGraceMs);
      });
      const outcome = await Promise.race([graceful.then(() => 'closed' as const), expired]);
      clearTimeout(timer);
      if (outcome === 'expired') {
        logger.warn('shutdown grace period over; handing active jobs back');
        onGraceExpired?.();
        await Promise.all(workers.map((w) => w.close(true)));
      }
    },
    async close() {
      await events.close();
      await queues.close();
      await llm.close();
      // Flushes spans still batched for the collector; a tracer passed in belongs to the caller.
      if (!options.tracing) await tracing.shutdown();
      redis.disconnect();
      await db.close();
    },
  };
}

/** True when `ping` answers true within `timeoutMs`. */
async function pingWithin(ping: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([ping().catch(() => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** How long a starting process waits for an unreachable or restarting Postgres before giving up. */
const STARTUP_DATABASE_WAIT_MS = 60_000;

/** How a starting process waits for Postgres (whileUnreachable, migrateWhenReachable): up to STARTUP_DATABASE_WAIT_MS, saying so at each retry. */
export function startupDatabaseWait(logger: Logger, waitingTo: string): { waitMs: number; onRetry: (err: unknown, attempt: number) => void } {
  return { waitMs: STARTUP_DATABASE_WAIT_MS, onRetry: (err, attempt) => logger.warn(`waiting for Postgres to ${waitingTo}`, { attempt, error: describeError(err) }) };
}

/**
 * Runs a long-lived process: parse config (a bad setting stops it with a message naming the
 * variable), migrate, build the runtime, start, and on SIGTERM/SIGINT stop taking work, drain
 * and exit 0.
 */
export function runProcess(options: { service: string }, start: (runtime: Runtime) => Promise<() => Promise<void>>): void {
  let config: MeshConfig;
  try {
    config = loadConfig();
  } catch (err) {
    console.error(err instanceof ConfigError ? err.message : `Could not load configuration: ${describeError(err)}`);
    process.exit(1);
  }
  // Configured secrets are scrubbed from every line, whatever their shape (a provider may echo its key).
  const logger = scrubbingLogger(createLogger({ service: options.service, level: config.logLevel }), configuredSecrets(config));
  process.on('unhandledRejection', (reason) => logger.error('unhandled rejection', { error: describeError(reason) }));

  (async () => {
    if (config.database.migrateOnStart) {
      await migrateWhenReachable({ url: config.database.url, schema: config.database.schema }, startupDatabaseWait(logger, 'migrate'));
    }
    const runtime = await createRuntime(config, { service: options.service, logger });
    // Ready = started, not draining, Redis and Postgres answering; live = the ops server answers.
    let takingWork = false;
    const ops =
      config.metricsPort > 0
        ? await startOpsServer({
            port: config.metricsPort,
            host: config.http.host,
            metrics: runtime.metrics,
            logger,
            isReady: async () => takingWork && runtime.redis.status === 'ready' && (await pingWithin(() => runtime.db.ping(), 1_000)),
          })
        : undefined;
    if (ops) logger.info('metrics listening', { url: ops.url });
    const eviction = await checkEvictionPolicy(runtime.redis);
    if (!eviction.ok) {
      logger.error(`Redis maxmemory-policy is "${eviction.policy}"; it must be "noeviction" or queued jobs can be lost`, { policy: eviction.policy });
    }
    // Signals are handled before `start` runs: it announces readiness before it returns, and a
    // SIGTERM sent on that line must drain, not kill the process with the default action.
    let started: Promise<() => Promise<void>> | undefined;
    let stopping = false;
    const shutdown = (signal: string) => {
      if (stopping) return;
      stopping = true;
      takingWork = false;
      logger.info('shutting down', { signal });
      Promise.resolve(started)
        .then((stop) => stop?.())
        .then(() => ops?.close())
        .then(() => runtime.close())
        .then(() => process.exit(0))
        .catch((err: unknown) => {
          logger.error('shutdown failed', { error: describeError(err) });
          process.exit(1);
        });
    };
    process.on('SIGTERM', () => shutdown('SIGTERM'));
    process.on('SIGINT', () => shutdown('SIGINT'));
    started = start(runtime);
    await started;
    if (!stopping) takingWork = true;
  })().catch((err: unknown) => {
    logger.error('failed to start', { error: describeError(err) });
    process.exit(1);
  });
}
