import { ConfigError, loadConfig, type MeshConfig } from '@mesh/config';
import { describeError } from '@mesh/core';
import { startOpsServer, type Logger } from '@mesh/observability';
import { checkEvictionPolicy } from '@mesh/queue';
import { migrateWhenReachable, whileUnreachable } from '@mesh/store';
import { createRuntime, type Runtime, type RuntimeOptions } from './runtime';
import { processLogger } from './secret-scrubber';

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

/** The configuration from the environment, or exit 1 with a message that names the bad variable. */
export function configOrExit(): MeshConfig {
  try {
    return loadConfig();
  } catch (err) {
    console.error(err instanceof ConfigError ? err.message : `Could not load configuration: ${describeError(err)}`);
    process.exit(1);
  }
}

/** Logs loudly when Redis may evict keys: volatile policies lose queued jobs. */
export async function warnUnlessNoeviction(runtime: Pick<Runtime, 'redis' | 'logger'>): Promise<void> {
  const eviction = await checkEvictionPolicy(runtime.redis);
  if (!eviction.ok) {
    runtime.logger.error(`Redis maxmemory-policy is "${eviction.policy}"; it must be "noeviction" or queued jobs can be lost`, { policy: eviction.policy });
  }
}

/**
 * Runs a long-lived process: parse config (a bad setting stops it with a message naming the
 * variable), migrate, build the runtime, start, and on SIGTERM/SIGINT stop taking work, drain
 * and exit 0.
 */
export function runProcess(options: Pick<RuntimeOptions, 'service' | 'responders' | 'encoderNice'>, start: (runtime: Runtime) => Promise<() => Promise<void>>): void {
  const config = configOrExit();
  const logger = processLogger(options.service, config);
  process.on('unhandledRejection', (reason) => logger.error('unhandled rejection', { error: describeError(reason) }));

  (async () => {
    if (config.database.migrateOnStart) {
      await migrateWhenReachable({ url: config.database.url, schema: config.database.schema }, startupDatabaseWait(logger, 'migrate'));
    }
    const runtime = await createRuntime(config, { ...options, logger });
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
    await warnUnlessNoeviction(runtime);
    // Behind a transaction pool the schema comes from the pooler: refuse to work in the wrong one.
    // A Postgres that is restarting is waited for, as migrations wait for it.
    await whileUnreachable(() => runtime.db.checkSchema(), startupDatabaseWait(logger, 'check the schema'));
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
