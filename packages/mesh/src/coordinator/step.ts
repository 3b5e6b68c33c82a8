import { COORDINATOR_TYPE, CoordinatorDecision, type PlannedSubtask } from '@mesh/core';
import type { StepJob } from '@mesh/queue';
import type { AgentRow, SubtaskRow, TaskRow } from '@mesh/store';
import { announceTaskStatus } from '@mesh/tasks';
import type { EngineDeps } from '../engine-deps';
import { formatMemory, memoryCandidateQuery, mergeCandidates, searchByMeaning, selectMemory } from '../memory-retrieval';
import { callRecorded, SCHEMA_NAMES, type ModelResponse } from '../model-client';
import { coordinatorPlanPrompt, memoryNotes, specialistsOf } from '../prompts';
import { screenMemories } from '../safety/output-screening';
import { isSubtaskDone, nextWave } from '../waves';
import { callCoordinator, networkView, traceOf } from './coordinator-call';
import { runFinalize } from './finalize';
import { settlePlan } from './plan-repair';
import { servedSpecialists } from '../fleet/served-specialists';
import { completeTask, failTask, onCoordinatorError } from './task-outcome';
import { settleParked } from '../human-loop/parked-subtasks';
import { askAboutTask, isParked } from '../human-loop/waiting';

/**
 * `step`: one coordinator iteration. Either the coordinator completes the task, or its plan is
 * validated (repaired once, else replaced by one subtask per specialist), persisted
 * idempotently with its new memories, and the first wave dispatched.
 */
export async function runCoordinatorStep(deps: EngineDeps, job: StepJob): Promise<void> {
  if (job.iteration > 1 && (await budgetSpent(deps, job.taskId))) {
    // Stop planning more work (this is not an iteration); synthesise what the budget bought.
    return deps.queues.enqueueFinalize({ tenantId: job.tenantId, taskId: job.taskId, ...traceOf(job) }, await taskPriority(deps, job));
  }
  // The iteration's start and everything it plans with, in one round trip.
  const context = await deps.store.tasks.beginIterationWithContext(job.tenantId, job.taskId, job.iteration, memoryCandidateQuery(deps.settings.memoryCandidates));
  if (!context) return; // ended, stale or a duplicate of an older iteration
  const { task, subtasks: previous } = context;
  await announceTaskStatus(deps, task);
  const existing = previous.filter((s) => s.iteration === job.iteration);
  if (existing.length > 0) {
    // Re-delivered after the plan was stored: it goes on once a person approved it, if one must.
    if (task.approvals.plan && !(await planApproved(deps, task, job.iteration, existing, ''))) return;
    return advanceIteration(deps, task, job.iteration, existing, job.trace);
  }

  if (!context.network) return; // network deleted
  const view = networkView(context.network, new Map(context.agents.map((a) => [a.type, a])));
  const all = specialistsOf(view.agents.values(), await deps.trackRecords.of(task.tenant_id, task.network_id));
  if (all.length === 0) return failTask(deps, task.tenant_id, task.id, 'The network has no specialist agents to delegate to');
  // Only what a live worker serves is offered: a subtask for an unserved type would wait unseen.
  const { offered: specialists, unavailable } = await servedSpecialists(deps, all);

  // The full-text candidates came with the iteration's start; those found by meaning need the task's text first.
  // The task's files, as facts (name, type, size, pages or dimensions): the plan names those a subtask needs.
  const [byMeaning, attachments] = await Promise.all([
    deps.meaning
      ? searchByMeaning(deps.store.memory, deps.meaning, { tenantId: task.tenant_id, networkId: task.network_id, text: task.task, candidates: deps.settings.memoryCandidates })
      : Promise.resolve({ candidates: [], query: null }),
    deps.store.attachments.forTask(task.tenant_id, task.id),
  ]);
  // The task's meaning, kept for its subtasks while the coordinator's model plans: they search by
  // it without encoding it again (where it could not be kept, each encodes the text itself).
  const meaningKept = byMeaning.query ? deps.store.memoryEmbeddings.rememberTaskMeaning(task.tenant_id, task.id, byMeaning.query.vector).catch(() => undefined) : Promise.resolve();
  const memory = selectMemory(mergeCandidates(context.memoryCandidates, byMeaning.candidates), deps.settings.memoryTokenBudget, Date.now(), COORDINATOR_TYPE);
  deps.metrics?.memoryRetrieved('plan', memory.items.length);
  const planPrompt = coordinatorPlanPrompt({
    networkName: view.network.name,
    networkDescription: view.network.description,
    coordinator: view.coordinator,
    task,
    sharedContext: view.network.shared_context,
    specialists,
    unavailable,
    memory: formatMemory(memory.items),
    previous,
    iteration: job.iteration,
    lessons: context.coordinatorLessons,
    attachments,
  });
  const prompt = { ...planPrompt, memory: memoryNotes(memory.items) };

  let decision: CoordinatorDecision;
  let planned: ModelResponse<CoordinatorDecision>;
  try {
    [planned] = await Promise.all([callCoordinator(deps, task, view, prompt, { name: SCHEMA_NAMES.coordinatorDecision, zod: CoordinatorDecision }, 'plan', job.iteration), meaningKept]);
    decision = planned.object as CoordinatorDecision;
  } catch (err) {
    return onCoordinatorError(deps, task, `The coordinator could not plan iteration ${job.iteration}`, err);
  }

  const newMemories = await screenMemories(deps.safety, decision.new_memories, { where: 'coordinator memories', iteration: job.iteration });
  await deps.store.tasks.recordSafety(task.id, newMemories.items);
  const memories = {
    items: newMemories.memories.map((m) => ({ memory_type: m.type, content: m.content, confidence: m.confidence })),
    agentId: view.coordinator?.id ?? null,
  };

  if (decision.task_complete) {
    // A replayed step writes these again as the same source, which does not reinforce them.
    if (memories.items.length > 0) await deps.store.memory.upsertMany(task.tenant_id, task.network_id, memories.items, { kind: 'coordinator', taskId: task.id, agentId: memories.agentId });
    if (decision.result) return completeTask(deps, task, decision.result, planned);
    await callRecorded(planned);
    return deps.queues.enqueueFinalize({ tenantId: task.tenant_id, taskId: task.id, ...traceOf(job) }, task.priority);
  }

  const plan = await settlePlan(deps, task, view, prompt, decision.subtasks, specialists, job.iteration, attachments.map((a) => a.name));
  if (!plan) return; // stopped while repairing
  // The plan and the coordinator's memories, stored once in one statement.
  const [stored] = await Promise.all([deps.store.subtasks.insertPlan(task, job.iteration, withAgentIds(plan, view.agents), memories, { waitsForApproval: task.approvals.plan }), callRecorded(planned)]);
  deps.logger.info('iteration planned', { task_id: task.id, iteration: job.iteration, subtasks: stored.length });
  if (task.approvals.plan && !(await planApproved(deps, task, job.iteration, stored, decision.reasoning))) return;
  await advanceIteration(deps, task, job.iteration, stored, job.trace);
}

/**
 * Whether the iteration's plan may be dispatched: a person must approve it first, so the request
 * is made (once: a re-delivered step finds it) and the task waits; the decision's continuation
 * dispatches it. True only once that continuation has run (a re-delivered step then goes on).
 */
async function planApproved(deps: EngineDeps, task: TaskRow, iteration: number, plan: SubtaskRow[], reasoning: string): Promise<boolean> {
  const subtasks = plan.map((s) => ({ key: s.key, agent_type: s.agent_type, description: s.description, depends_on: s.depends_on, attachments: s.attachments }));
  const asked = await askAboutTask(deps, task, { key: `plan:${iteration}`, kind: 'plan', subject: { iteration, reasoning, subtasks } });
  return asked.status === 'approved' && asked.resumed;
}

/** True when the task has used its token or cost budget (MESH_TASK_MAX_TOKENS, MESH_TASK_MAX_COST_USD). */
async function budgetSpent(deps: EngineDeps, taskId: string): Promise<boolean> {
  const budget = deps.settings.taskBudget;
  if (!budget || (budget.maxTokens <= 0 && budget.maxCostUsd <= 0)) return false;
  const used = await deps.store.tasks.usage(taskId);
  const spent = (budget.maxTokens > 0 && used.tokens >= budget.maxTokens) || (budget.maxCostUsd > 0 && used.costUsd >= budget.maxCostUsd);
  if (spent) deps.logger.warn('task budget spent; synthesising the result', { task_id: taskId, tokens: used.tokens, cost_usd: used.costUsd, ...budget });
  return spent;
}

async function taskPriority(deps: EngineDeps, job: StepJob): Promise<number> {
  return (await deps.store.tasks.getRow(job.tenantId, job.taskId))?.priority ?? 5;
}

export function withAgentIds(plan: PlannedSubtask[], agents: Map<string, AgentRow>): (PlannedSubtask & { agent_id: string | null })[] {
  return plan.map((s) => ({ ...s, agent_id: agents.get(s.agent_type)?.id ?? null }));
}

/**
 * Moves an iteration forward: dispatch the next ready wave, or, when every subtask of the
 * iteration has ended, run the next iteration — or the final synthesis at max_iterations.
 */
export async function advanceIteration(
  deps: EngineDeps,
  task: TaskRow,
  iteration: number,
  subtasks: SubtaskRow[],
  trace?: Record<string, string>,
): Promise<void> {
  const ids = { tenantId: task.tenant_id, taskId: task.id, ...(trace ? { trace } : {}) };
  const next = nextWave(subtasks);
  if (next) {
    await deps.store.subtasks.markQueued(next.subtasks.filter((s) => s.status === 'pending').map((s) => s.id));
    // Published before the jobs exist (same Redis connection, so in order): a watcher never
    // sees a subtask start before it was queued.
    for (const s of next.subtasks) {
      deps.events.publishQuietly({ type: 'subtask.status', task_id: task.id, subtask_id: s.id, key: s.key, agent_type: s.agent_type, status: 'queued', at: new Date().toISOString() });
    }
    await deps.queues.dispatchWave(
      { ...ids, iteration, wave: next.wave },
      next.subtasks.map((s) => ({ subtaskId: s.id, agentType: s.agent_type })),
      task.priority,
    );
    return;
  }
  if (!subtasks.every(isSubtaskDone)) {
    // Nothing can be dispatched: a wave is still running (its parent job will call again), or what
    // is left waits for people.
    if (subtasks.some(isParked) && !subtasks.some((s) => s.status === 'queued' || s.status === 'in_progress')) await settleParked(deps, task, trace);
    return;
  }
  // The next iteration (or the synthesis) runs in this job rather than in one of its own: one
  // queue hop less on every task's critical path. Both are idempotent, so a retry of this job
  // that repeats them does no harm.
  if (iteration < task.max_iterations) await runCoordinatorStep(deps, { ...ids, iteration: iteration + 1 });
  else await runFinalize(deps, ids);
}
