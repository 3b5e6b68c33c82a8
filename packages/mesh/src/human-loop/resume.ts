import { findPlanProblems, isTerminalTaskStatus, normalisePlan, type HumanFeedback, type PlanEdits, type PlanSubject, type ResultEdits, type ResultSubject, type TaskResult } from '@mesh/core';
import type { ResumeJob } from '@mesh/queue';
import type { ApprovalRow, TaskRow } from '@mesh/store';
import { traceOf, loadNetwork } from '../coordinator/coordinator-call';
import { advanceIteration, runCoordinatorStep, withAgentIds } from '../coordinator/step';
import { completeTask, failTask } from '../coordinator/task-outcome';
import type { EngineDeps } from '../engine-deps';
import { specialistsOf } from '../prompts';
import { resumeParked } from './parked-subtasks';
import { taskGoesOn } from './waiting';

/**
 * `resume`: the continuation of a person's decision (or of a request that expired, which counts
 * as rejected). Idempotent: a request already taken into account (`resumed_at`), or a task that
 * has ended, is left alone; the store's guarded transitions make a duplicate delivery a no-op.
 *
 * - plan: approved → its (possibly edited) subtasks are dispatched; rejected → the coordinator
 *   plans again with the comment (a new iteration), or at the last iteration the task fails;
 * - result: approved → the task completes with it (possibly edited); rejected → another iteration
 *   with the comment as feedback while iterations remain, else the task fails;
 * - tool call, question: the subtask runs again once nothing else of the task runs.
 */
export async function runResume(deps: EngineDeps, job: ResumeJob): Promise<void> {
  const [approval, task] = await Promise.all([deps.store.approvals.get(job.tenantId, job.approvalId), deps.store.tasks.getRow(job.tenantId, job.taskId)]);
  if (!approval || approval.task_id !== job.taskId || approval.status === 'pending' || approval.resumed_at) return;
  if (!task || isTerminalTaskStatus(task.status)) return;
  const trace = traceOf(job).trace;
  switch (approval.kind) {
    case 'plan':
      return resumePlan(deps, task, approval, trace);
    case 'result':
      return resumeResult(deps, task, approval, trace);
    case 'tool_call':
    case 'question':
      // While a wave runs, its end takes the decision into account (see settleParked).
      if (task.status === 'awaiting_approval') await resumeParked(deps, task, trace);
      return;
    default: {
      const unreachable: never = approval.kind;
      throw new Error(`unknown approval kind ${String(unreachable)}`);
    }
  }
}

function feedbackOf(approval: ApprovalRow, kind: HumanFeedback['kind'], iteration: number): HumanFeedback {
  return { kind, iteration, status: approval.status === 'expired' ? 'expired' : 'rejected', comment: approval.comment ?? '' };
}

function refusalMessage(feedback: HumanFeedback): string {
  return `${feedback.kind} ${feedback.status === 'expired' ? 'not approved in time' : 'rejected'}: ${feedback.comment || 'no reason given'}`;
}

async function resumePlan(deps: EngineDeps, task: TaskRow, approval: ApprovalRow, trace?: Record<string, string>): Promise<void> {
  const { iteration } = approval.subject as PlanSubject;
  const ids = { tenantId: task.tenant_id, taskId: task.id, ...(trace ? { trace } : {}) };
  if (approval.status === 'approved') {
    const edits = approval.edits as PlanEdits | null;
    let replacePlan: Parameters<typeof deps.store.approvals.resumeTask>[1]['replacePlan'];
    if (edits?.subtasks) {
      // Checked by the API when the person decided; checked again against the network as it is now.
      const view = await loadNetwork(deps, task);
      if (!view) return;
      const plan = normalisePlan(edits.subtasks);
      const problems = findPlanProblems(plan, new Set(specialistsOf(view.agents.values()).map((s) => s.type)));
      if (problems.length > 0) return failTask(deps, task.tenant_id, task.id, `The edited plan can no longer run: ${problems.join('; ')}`);
      replacePlan = { iteration, subtasks: withAgentIds(plan, view.agents) };
    }
    const resumed = await deps.store.approvals.resumeTask(approval, replacePlan ? { replacePlan } : {});
    if (!resumed) return;
    await taskGoesOn(deps, resumed.task, trace);
    return advanceIteration(deps, resumed.task, iteration, resumed.subtasks.filter((s) => s.iteration === iteration), trace);
  }
  const feedback = feedbackOf(approval, 'plan', iteration);
  const resumed = await deps.store.approvals.resumeTask(approval, { skipIteration: { iteration, why: `the plan was ${refusalMessage(feedback)}` }, feedback });
  if (!resumed) return;
  if (iteration >= resumed.task.max_iterations) return failTask(deps, task.tenant_id, task.id, refusalMessage(feedback));
  await taskGoesOn(deps, resumed.task, trace);
  await runCoordinatorStep(deps, { ...ids, iteration: iteration + 1 });
}

async function resumeResult(deps: EngineDeps, task: TaskRow, approval: ApprovalRow, trace?: Record<string, string>): Promise<void> {
  const { result: draft, iteration } = approval.subject as ResultSubject;
  if (approval.status === 'approved') {
    const edits = approval.edits as ResultEdits | null;
    const result: TaskResult = edits ? { content: edits.content, confidence: edits.confidence ?? draft.confidence, explanation: edits.explanation ?? draft.explanation } : draft;
    await completeTask(deps, task, result, { simulated: false }, { approved: true });
    await deps.store.approvals.markResumed(approval.id);
    return;
  }
  const feedback = feedbackOf(approval, 'result', iteration);
  if (task.iterations >= task.max_iterations) {
    await deps.store.approvals.markResumed(approval.id);
    return failTask(deps, task.tenant_id, task.id, refusalMessage(feedback));
  }
  const resumed = await deps.store.approvals.resumeTask(approval, { feedback });
  if (!resumed) return;
  await taskGoesOn(deps, resumed.task, trace);
  await runCoordinatorStep(deps, { tenantId: task.tenant_id, taskId: task.id, iteration: resumed.task.iterations + 1, ...(trace ? { trace } : {}) });
}
