import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { runProcess, startCoordinatorWorker } from '@mesh/mesh';
import { startHeartbeat } from '@mesh/queue';

/** The coordinator process: plans iterations, dispatches waves, synthesises results, enforces deadlines. */
runProcess({ service: 'coordinator' }, async (runtime) => {
  const worker = startCoordinatorWorker(runtime);
  const id = `coordinator:${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const stopHeartbeat = startHeartbeat(runtime.redis, runtime.config.queuePrefix, { id, kind: 'coordinator', agentTypes: () => [] });
  await worker.waitUntilReady();
  runtime.logger.info('coordinator ready', { concurrency: runtime.config.coordinator.concurrency, queue_prefix: runtime.config.queuePrefix });
  return async () => {
    await stopHeartbeat();
    await runtime.closeWorkers([worker]);
  };
});
