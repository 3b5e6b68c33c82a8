import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { runProcess, startCoordinatorWorker, syncConfiguredBudgets } from '@mesh/host';
import { coordinatorJobs, createEngine, meshSimulatedResponders, RecoverySweeper } from '@mesh/mesh';
import { FleetView, readHeartbeats, startHeartbeat } from '@mesh/queue';
import { startTaskWebhookWorker } from './webhook-worker';

/**
 * The coordinator process: plans iterations, dispatches waves, synthesises results, enforces
 * deadlines, delivers webhooks, and (the leader among coordinators) re-dispatches work Redis has lost.
 */
runProcess({ service: 'coordinator', responders: meshSimulatedResponders }, async (runtime) => {
  await syncConfiguredBudgets(runtime.store, runtime.config, runtime.logger);
  const engine = await createEngine(runtime, { fleet: new FleetView(() => readHeartbeats(runtime.redis, runtime.config.queuePrefix)) });
  // The local encoder loads before the first job: a first plan must not wait for it.
  await runtime.embeddings.warm();
  const worker = startCoordinatorWorker(runtime, coordinatorJobs(engine));
  const webhooks = startTaskWebhookWorker(runtime);
  if (runtime.config.webhooks.secretIsDevelopmentDefault) {
    runtime.logger.warn('MESH_WEBHOOK_SECRET IS NOT SET: webhooks are signed with the fixed development secret. Set it before any real use.');
  }
  const sweeper = new RecoverySweeper(engine, {
    intervalMs: runtime.config.coordinator.sweepIntervalMs,
    unservedGraceMs: runtime.config.fleet.unservedGraceMs,
    promptRetentionMs: runtime.config.callRecording.retentionDays * 86_400_000,
  });
  sweeper.start();
  const id = `coordinator:${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const stopHeartbeat = startHeartbeat(runtime.redis, runtime.config.queuePrefix, { id, kind: 'coordinator', agentTypes: () => [], llm: () => runtime.llm.health() }, runtime.config.fleet.heartbeatIntervalMs);
  await Promise.all([worker.waitUntilReady(), webhooks.waitUntilReady()]);
  runtime.logger.info('coordinator ready', { concurrency: runtime.config.coordinator.concurrency, queue_prefix: runtime.config.queuePrefix });
  return async () => {
    await stopHeartbeat();
    await sweeper.stop();
    await runtime.closeWorkers([worker, webhooks]);
  };
});
