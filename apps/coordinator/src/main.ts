import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { RecoverySweeper, runProcess, startCoordinatorWorker } from '@mesh/mesh';
import { startHeartbeat } from '@mesh/queue';

/**
 * The coordinator process: plans iterations, dispatches waves, synthesises results, enforces
 * deadlines, and (the leader among coordinators) re-dispatches work Redis has lost.
 */
runProcess({ service: 'coordinator' }, async (runtime) => {
  const worker = startCoordinatorWorker(runtime);
  const sweeper = new RecoverySweeper(runtime.engine, { intervalMs: runtime.config.coordinator.sweepIntervalMs });
  sweeper.start();
  const id = `coordinator:${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const stopHeartbeat = startHeartbeat(runtime.redis, runtime.config.queuePrefix, { id, kind: 'coordinator', agentTypes: () => [] });
  await worker.waitUntilReady();
  runtime.logger.info('coordinator ready', { concurrency: runtime.config.coordinator.concurrency, queue_prefix: runtime.config.queuePrefix });
  return async () => {
    await stopHeartbeat();
    await sweeper.stop();
    await runtime.closeWorkers([worker]);
  };
});
