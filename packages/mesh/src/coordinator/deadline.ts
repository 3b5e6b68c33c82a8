import { isTerminalTaskStatus } from '@mesh/core';
import type { DeadlineJob } from '@mesh/queue';
import { stopTask } from '@mesh/tasks';
import type { EngineDeps } from '../engine-deps';

/** `deadline`: an unfinished task at its deadline ends timed_out. */
export async function runDeadline(deps: EngineDeps, job: DeadlineJob): Promise<void> {
  const task = await deps.store.tasks.getRow(job.tenantId, job.taskId);
  if (!task || isTerminalTaskStatus(task.status)) return;
  await stopTask(deps, task.tenant_id, task.id, 'timed_out', `The task did not finish within its deadline (${task.timeout_seconds} s timeout)`);
}
