import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { AgentWorkerPool, runProcess } from '@mesh/host';
import { agentJobHandlers, createEngine, meshSimulatedResponders, startMemoryEmbeddingJob } from '@mesh/mesh';
import { startHeartbeat } from '@mesh/queue';

import { parseWorkerArgs } from './worker-args';

/** A worker process: `npm run start:worker -- --agents all|content,design --concurrency N`. */
const args = (() => {
  try {
    return parseWorkerArgs(process.argv.slice(2));
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(2);
  }
})();

/**
 * The encoder thread's nice value here: it encodes memory in the background (a subtask searches by
 * its task's meaning, encoded by the coordinator), and on a saturated machine the coordinators'
 * plans, the jobs' own work and Postgres should go first.
 */
const WORKER_ENCODER_NICE = 10;

runProcess({ service: 'worker', responders: meshSimulatedResponders, encoderNice: WORKER_ENCODER_NICE }, async (runtime) => {
  const engine = await createEngine(runtime);
  const pool = new AgentWorkerPool(runtime, { agents: args.agents, concurrency: args.concurrency ?? runtime.config.worker.concurrency, handlers: agentJobHandlers(engine) });
  // The local encoder loads before the first job: a first task must not wait for it.
  await runtime.embeddings.warm();
  await pool.start();
  // Memory items get their vectors here, in batches, off the API's request path. Not in the
  // coordinators: their encoder serves the queries plans search memory with (a subtask searches by
  // its task's, kept at planning), and a batch of memory under way delays the next plan.
  const embedding = startMemoryEmbeddingJob(runtime);
  const id = `worker:${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const stopHeartbeat = startHeartbeat(runtime.redis, runtime.config.queuePrefix, { id, kind: 'worker', agentTypes: () => pool.agentTypes, servesAll: args.agents === 'all', llm: () => runtime.llm.health() }, runtime.config.fleet.heartbeatIntervalMs);
  runtime.logger.info('worker ready', { agent_types: pool.agentTypes, mode: args.agents === 'all' ? 'all' : 'listed' });
  return async () => {
    await stopHeartbeat();
    await pool.close();
    await embedding?.stop();
  };
});
