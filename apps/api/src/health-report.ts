import type { Health } from '@mesh/core';
import { readHeartbeats } from '@mesh/queue';
import { unservedAgentTypes } from './fleet-coverage';
import type { ApiDeps } from './api-deps';
import { llmHealthFromConfig } from './llm-health';

/** Each probe gets this long; a dependency that does not answer in time counts as down. */
export const HEALTH_PROBE_TIMEOUT_MS = 1_000;

const TIMED_OUT = Symbol('timed out');

async function withTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), timeoutMs);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The probe's value, or `fallback` when it throws or takes too long. */
async function probe<T>(work: () => Promise<T>, fallback: T, timeoutMs = HEALTH_PROBE_TIMEOUT_MS): Promise<T> {
  try {
    const result = await withTimeout(work(), timeoutMs);
    return result === TIMED_OUT ? fallback : result;
  } catch {
    return fallback;
  }
}

/**
 * What `GET /health` reports, every field actually measured: Redis and Postgres pinged, workers
 * from their heartbeats, circuits from the model layer. `down` when Redis or Postgres is
 * unreachable; `degraded` when a circuit is open or no coordinator or no worker is alive.
 */
export async function buildHealthReport(deps: ApiDeps): Promise<Health> {
  const [redisUp, databaseUp] = await Promise.all([
    probe(async () => (await deps.redis.ping()) === 'PONG', false),
    probe(() => deps.store.db.ping(), false),
  ]);
  const workers = redisUp ? await probe(() => readHeartbeats(deps.redis, deps.config.queuePrefix), []) : [];
  const [llmClient, activeNetworks, activeTasks, unserved] = await Promise.all([
    // Without the live client's state, configuration is the best account; the status is already
    // `down` in the case that makes it unreadable (Redis gone).
    probe(() => deps.llmHealth(), llmHealthFromConfig(deps.config.llm)),
    databaseUp ? probe(() => deps.store.networks.countActive(), 0) : 0,
    databaseUp ? probe(() => deps.store.tasks.countUnfinished(), 0) : 0,
    redisUp && databaseUp ? probe(() => unservedAgentTypes(deps, workers), []) : [],
  ]);
  const circuitOpen = Object.values(llmClient.providers).some((p) => p.circuit === 'open');
  const coordinatorAlive = workers.some((w) => w.kind === 'coordinator');
  const workerAlive = workers.some((w) => w.kind === 'worker');
  const status: Health['status'] = !redisUp || !databaseUp ? 'down' : circuitOpen || !coordinatorAlive || !workerAlive ? 'degraded' : 'ok';
  return {
    status,
    redis_connection: redisUp ? 'connected' : 'disconnected',
    database_connection: databaseUp ? 'connected' : 'disconnected',
    llm_client: llmClient,
    workers: workers.map(({ id, kind, agent_types, last_seen }) => ({ id, kind, agent_types, last_seen })),
    unserved_agent_types: unserved,
    active_networks_count: activeNetworks,
    active_tasks_count: activeTasks,
    version: deps.version,
    timestamp: new Date().toISOString(),
  };
}
