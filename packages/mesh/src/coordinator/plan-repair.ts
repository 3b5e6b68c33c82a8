import { CoordinatorDecision, findPlanProblems, normalisePlan, type PlannedSubtask } from '@mesh/core';
import type { TaskRow } from '@mesh/store';
import type { EngineDeps } from '../engine-deps';
import { isAbort, isModelFailure } from '../errors';
import { callRecorded, SCHEMA_NAMES } from '../model-client';
import { fallbackPlan } from '../plan-validation';
import { planRepairPrompt, type AgentSummary, type Prompt } from '../prompts';
import { callCoordinator, type NetworkView } from './coordinator-call';

/**
 * The plan to store for an iteration: the coordinator's own when it is valid; else the one it
 * gives when told what is wrong (asked once); else one subtask per specialist, each given every
 * attachment. A plan naming an attachment the task does not have is invalid like any other.
 * Null when the task was stopped during the repair.
 */
export async function settlePlan(
  deps: EngineDeps,
  task: TaskRow,
  view: NetworkView,
  prompt: Prompt,
  proposed: PlannedSubtask[],
  specialists: AgentSummary[],
  iteration: number,
  attachmentNames: readonly string[] = [],
): Promise<PlannedSubtask[] | null> {
  const types = new Set(specialists.map((s) => s.type));
  const names = new Set(attachmentNames);
  const plan = normalisePlan(proposed);
  const problems = findPlanProblems(plan, types, names);
  if (problems.length === 0) return plan;
  deps.logger.warn('coordinator plan invalid, asking for a repair', { task_id: task.id, iteration, problems });
  try {
    const repaired = await callCoordinator(deps, task, view, planRepairPrompt(prompt, problems), { name: SCHEMA_NAMES.coordinatorDecision, zod: CoordinatorDecision }, 'plan_repair', iteration);
    await callRecorded(repaired);
    const repairedPlan = normalisePlan((repaired.object as CoordinatorDecision).subtasks);
    if (findPlanProblems(repairedPlan, types, names).length === 0) return repairedPlan;
  } catch (err) {
    if (isAbort(err)) return null;
    if (!isModelFailure(err)) throw err;
  }
  deps.logger.warn('coordinator plan still invalid, using the fallback plan', { task_id: task.id, iteration });
  return fallbackPlan(task.task, specialists, attachmentNames);
}
