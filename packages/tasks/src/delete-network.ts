import type { TaskControlDeps } from './task-control-deps';
import { announceTaskStatus } from './task-status-announcer';

/**
 * Deletes a network with its agents, tasks and memory, then removes the waiting jobs of its
 * unfinished tasks and announces each as `cancelled` (event, metric; there is no webhook to
 * deliver, the task row is gone). Jobs already running find their task gone and stop; processes
 * running its model calls abort them. Returns false when the network does not exist for this tenant.
 */
export async function deleteNetwork(deps: TaskControlDeps, tenantId: string, networkId: string): Promise<boolean> {
  // Read first: the delete cascades the subtasks whose job ids we need.
  const work = new Map((await deps.store.networks.unfinishedWork(tenantId, networkId)).map((w) => [w.taskId, w]));
  const deleted = await deps.store.networks.delete(tenantId, networkId);
  if (!deleted) return false;
  await Promise.all(
    deleted.unfinishedTaskIds.map(async (taskId) => {
      const task = work.get(taskId);
      await deps.queues.removeTaskJobs(taskId, task?.openSubtasks ?? [], Math.max(1, task?.iterations ?? 1)).catch((err: unknown) => {
        deps.logger.warn('could not remove the jobs of a deleted task', { task_id: taskId, network_id: networkId, error: err });
      });
      deps.events.publishStop(taskId, 'network deleted');
      await announceTaskStatus(deps, {
        id: taskId,
        tenant_id: tenantId,
        network_id: networkId,
        status: 'cancelled',
        iterations: task?.iterations ?? 0,
        started_at: task?.startedAt ?? null,
        callback_url: null,
      });
    }),
  );
  deps.logger.info('network deleted', { network_id: networkId, tenant_id: tenantId, unfinished_tasks: deleted.unfinishedTaskIds.length });
  return true;
}
