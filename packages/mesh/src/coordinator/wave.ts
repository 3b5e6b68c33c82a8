import { dependencyDepths, isTerminalTaskStatus } from '@mesh/core';
import type { WaveJob } from '@mesh/queue';
import type { EngineDeps } from '../engine-deps';
import { isSubtaskDone } from '../waves';
import { advanceIteration } from './step';
import type { SubtaskRow } from '@mesh/store';
import { isParked } from '../human-loop/waiting';

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
  // The wave's subtasks: those resumed after a decision, or those at its depth. One parked for a
  // person (awaiting_approval) is not lost: its job ended on purpose.
  const depths = dependencyDepths(subtasks);
  const inWave = job.resumed ? (s: SubtaskRow) => job.resumed!.includes(s.id) : (s: SubtaskRow) => depths.get(s.key) === job.wave - 1;
  const lost = subtasks.filter((s) => inWave(s) && !isSubtaskDone(s) && s.status !== 'pending' && !isParked(s));
  if (lost.length > 0) {
    for (const s of lost) await deps.store.subtasks.fail(s.id, 'the subtask job ended without recording a result');
    subtasks = await deps.store.subtasks.forIteration(task.id, job.iteration);
  }
  await advanceIteration(deps, task, job.iteration, subtasks, job.trace);
}
