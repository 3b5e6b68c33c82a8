import { dependencyDepths } from '@mesh/core';
import { jobIds } from '@mesh/queue';
import type { TaskRow } from '@mesh/store';
import type { EngineDeps } from '../engine-deps';
import { taskGoesOn, taskWaits } from './waiting';

/**
 * Nothing of the task can run, and some of its subtasks wait for people: the task waits too —
 * unless their requests were all decided meanwhile, and then they run again now. (The store
 * decides which in one statement, so a decision committed at any moment is seen either here or
 * by its continuation job.)
 */
export async function settleParked(deps: EngineDeps, task: TaskRow, trace?: Record<string, string>): Promise<void> {
  const { parked, decided } = await deps.store.approvals.settle(task.tenant_id, task.id);
  if (parked) return taskWaits(deps, parked);
  if (decided) await resumeParked(deps, task, trace);
}

/**
 * Runs again the parked subtasks whose requests have all been decided: they become `queued` and
 * are dispatched as one wave of their own (its job id recorded on their requests, for the
 * recovery sweeper). A task that was waiting goes on; its deadline moves by the time it waited.
 * Their loops replay the journal: an approved call runs (with edited arguments), a rejected one
 * answers the model with the refusal, an answered question with the answer.
 */
export async function resumeParked(deps: EngineDeps, task: TaskRow, trace?: Record<string, string>): Promise<void> {
  const iteration = task.iterations;
  const plan = await deps.store.subtasks.forIteration(task.id, iteration);
  const depths = dependencyDepths(plan);
  const parkedDepths = plan.filter((s) => s.status === 'awaiting_approval').map((s) => depths.get(s.key) ?? 0);
  const wave = (parkedDepths.length > 0 ? Math.min(...parkedDepths) : 0) + 1;
  const stamp = Date.now();
  const jobId = jobIds.wave(task.id, iteration, wave, `r${stamp}`);
  const resumed = await deps.store.approvals.resumeSubtasks(task.tenant_id, task.id, jobId);
  if (!resumed) return; // nothing was decided, or another delivery resumed them
  if (task.status === 'awaiting_approval') await taskGoesOn(deps, resumed.task, trace);
  for (const s of resumed.subtasks) {
    deps.events.publishQuietly({ type: 'subtask.status', task_id: task.id, subtask_id: s.id, key: s.key, agent_type: s.agent_type, status: 'queued', at: new Date().toISOString() });
  }
  await deps.queues.dispatchWave(
    { tenantId: task.tenant_id, taskId: task.id, iteration, wave, resumed: resumed.subtasks.map((s) => s.id), ...(trace ? { trace } : {}) },
    resumed.subtasks.map((s) => ({ subtaskId: s.id, agentType: s.agent_type, generation: stamp })),
    task.priority,
    { jobId },
  );
  deps.logger.info('subtasks resumed after a decision', { task_id: task.id, subtasks: resumed.subtasks.map((s) => s.key) });
}
