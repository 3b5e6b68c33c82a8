import { isTerminalTaskStatus } from '@mesh/core';
import type { WaveJob } from '@mesh/queue';
import type { EngineDeps } from '../engine-deps';
import { dependencyDepths } from '../plan-validation';
import { isSubtaskDone } from '../waves';
import { advanceIteration } from './step';

/**
 * `wave`: runs when every subtask job of a wave has finished (or failed: failures do not block
 * the parent). A subtask of this wave whose job ended without recording an outcome is failed
 * here, then the iteration moves on.
 */
export async function runWave(deps: EngineDeps, job: WaveJob): Promise<void> {
  const loaded = await deps.store.tasks.withIteration(job.tenantId, job.taskId, job.iteration);
  if (!loaded || isTerminalTaskStatus(loaded.task.status)) return;
  const task = loaded.task;
  // Past the deadline, subtasks were cut short on purpose; the deadline job ends the task.
  if (task.deadline_at && task.deadline_at.getTime() <= Date.now()) return;
  let subtasks = loaded.subtasks;
  const depths = dependencyDepths(subtasks);
  const lost = subtasks.filter((s) => depths.get(s.key) === job.wave - 1 && !isSubtaskDone(s) && s.status !== 'pending');
  if (lost.length > 0) {
    for (const s of lost) await deps.store.subtasks.fail(s.id, 'the subtask job ended without recording a result');
    subtasks = await deps.store.subtasks.forIteration(task.id, job.iteration);
  }
  await advanceIteration(deps, task, job.iteration, subtasks, job.trace);
}
