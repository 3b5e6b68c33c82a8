import type { ApiDeps } from './api-deps';

/**
 * Deletes a network with its agents, tasks and memory, then removes the waiting jobs of its
 * unfinished tasks and publishes `cancelled` for each so waiting clients wake. Jobs already
 * running find their task gone and stop. Returns false when the network does not exist for
 * this tenant.
 */
export async function deleteNetwork(deps: Pick<ApiDeps, 'store' | 'queues' | 'events' | 'logger'>, tenantId: string, networkId: string): Promise<boolean> {
  // Read first: the delete cascades the subtasks whose job ids we need.
  const work = new Map((await deps.store.networks.unfinishedWork(tenantId, networkId)).map((w) => [w.taskId, w]));
  const deleted = await deps.store.networks.delete(tenantId, networkId);
  if (!deleted) return false;
  const at = new Date().toISOString();
  await Promise.all(
    deleted.unfinishedTaskIds.map(async (taskId) => {
      const task = work.get(taskId);
      await deps.queues.removeTaskJobs(taskId, task?.openSubtasks ?? [], Math.max(1, task?.iterations ?? 1)).catch((err: unknown) => {
        deps.logger.warn('could not remove the jobs of a deleted task', { task_id: taskId, network_id: networkId, error: err });
      });
      // Processes running its model calls abort them; clients waiting on it wake.
      deps.events.publishStop(taskId, 'network deleted');
      deps.events.publishQuietly({ type: 'task.status', task_id: taskId, status: 'cancelled', iteration: task?.iterations ?? 0, at });
    }),
  );
  deps.logger.info('network deleted', { network_id: networkId, tenant_id: tenantId, unfinished_tasks: deleted.unfinishedTaskIds.length });
  return true;
}
