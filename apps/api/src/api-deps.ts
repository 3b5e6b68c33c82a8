import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MeshConfig } from '@mesh/config';
import { COORDINATOR_TYPE, type Health } from '@mesh/core';
import { closeConnections, openConnections, type Connections } from '@mesh/host';
import type { Logger } from '@mesh/observability';
import { agentQueueName, COORDINATOR_QUEUE, readHeartbeats, WEBHOOKS_QUEUE } from '@mesh/queue';
import { TenantAdmission } from '@mesh/tasks';
import { toolEnvironment, type ToolEnvironment } from '@mesh/tools';
import type { Redis } from 'ioredis';
import { ApiLifecycle } from './lifecycle';
import { fleetCircuits, fleetLlmHealth } from './llm-health';
import { unservedAgentTypes } from './fleet-coverage';

/** Everything the API's routes use, passed in: tests build it from their own test environment. */
export interface ApiDeps extends Connections {
  config: MeshConfig;
  /** The producer connection: fails fast while Redis is down instead of queueing commands. */
  redis: Redis;
  logger: Logger;
  /** The model layer's mode and per-provider circuit state, for the health route (from the fleet's heartbeats). */
  llmHealth: () => Promise<Health['llm_client']>;
  /** May this tenant start a task? (the per-tenant cap of queued and running tasks) */
  admission: TenantAdmission;
  /** Tool registration: the outbound policy, validator and secrets built once from config.tools, and the built-ins offered. */
  tools: ToolEnvironment;
  version: string;
  lifecycle: ApiLifecycle;
}

export interface ApiDepsOptions {
  /** How long to wait for Redis at start before going on without it (health then says so). */
  redisReadyTimeoutMs?: number;
  /** Replaces the tracer built from config (tests pass one with an in-memory exporter). */
  tracing?: Connections['tracing'];
  metrics?: Connections['metrics'];
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

/** Connects to Postgres and Redis as configured (through the one composition root). Close with `closeApiDeps`. */
export async function createApiDeps(config: MeshConfig, logger: Logger, options: ApiDepsOptions = {}): Promise<ApiDeps> {
  const version = readApiVersion();
  const connections = openConnections(config, {
    service: 'api',
    serviceVersion: version,
    redisRole: 'producer',
    poolWaitMs: 5_000,
    ...(options.tracing ? { tracing: options.tracing } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
  const { redis, store, queues, metrics } = connections;
  if (!(await waitUntilReady(redis, options.redisReadyTimeoutMs ?? DEFAULTS.redisReadyTimeoutMs))) {
    logger.warn('redis is not reachable yet; starting anyway (health reports it, task starts answer 503)', { redis_status: redis.status });
  }
  const heartbeats = () => readHeartbeats(redis, config.queuePrefix);
  // Scrape-time readings: queue depths (every agent type in use, custom ones too) and the fleet's circuits.
  metrics.collectQueuesWith(async () => {
    const types = (await store.agents.distinctTypes()).filter((t) => t !== COORDINATOR_TYPE);
    const names = [COORDINATOR_QUEUE, WEBHOOKS_QUEUE, ...types.map(agentQueueName)];
    return Promise.all(names.map(async (queue) => ({ queue, counts: await queues.queue(queue).getJobCounts() })));
  });
  metrics.collectCircuitsWith(async () => fleetCircuits(await heartbeats()));
  metrics.collectApprovalsWith(() => store.approvals.countPending());
  metrics.collectUnservedWith(() => unservedAgentTypes({ store, redis, config }));
  metrics.collectBudgetsWith(async () => (await store.budgets.list()).map((b) => ({ tenant: b.tenant_id, network: b.network_id ?? '', period: b.period, ratio: b.used_ratio })));
  return {
    ...connections,
    config,
    logger,
    llmHealth: async () => fleetLlmHealth(await heartbeats(), config.llm),
    admission: new TenantAdmission(),
    tools: toolEnvironment(config.tools),
    version,
    lifecycle: new ApiLifecycle(),
  };
}

export async function closeApiDeps(deps: ApiDeps): Promise<void> {
  deps.lifecycle.beginDrain();
  // The API's tracer is always shut down here: a test that passed one reads its exporter, not the provider.
  await closeConnections(deps, { ownTracing: true });
}
