import { isTerminalTaskStatus } from '@mesh/core';
import type { DeadlineJob } from '@mesh/queue';
import { stopTask } from '@mesh/tasks';
import type { EngineDeps } from '../engine-deps';

/** `deadline`: an unfinished task at its deadline ends timed_out. */
export async function runDeadline(deps: EngineDeps, job: DeadlineJob): Promise<void> {
  const task = await deps.store.tasks.getRow(job.tenantId, job.taskId);
  // A task waiting for a person is not on the clock (its deadline moves when it goes on).
  if (!task || isTerminalTaskStatus(task.status) || task.status === 'awaiting_approval') return;
  await stopTask(deps, task.tenant_id, task.id, 'timed_out', `The task did not finish within its deadline (${task.timeout_seconds} s timeout)`);
}
