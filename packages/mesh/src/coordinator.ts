import {
  COORDINATOR_TYPE,
  CoordinatorDecision,
  describeError,
  FinalSynthesis,
  isTerminalTaskStatus,
  type PlannedSubtask,
  type TaskResult,
} from '@mesh/core';
import type { DeadlineJob, FinalizeJob, StepJob, WaveJob } from '@mesh/queue';
import { upsertMemories, type AgentRow, type NetworkRow, type SubtaskRow, type TaskRow } from '@mesh/store';
import type { EngineDeps } from './engine-deps';
import { isAbort, isModelFailure } from './errors';
import { formatMemory, memoryCandidateQuery, retrieveRelevantMemory, selectMemory } from './memory-retrieval';
import { callRecorded, SCHEMA_NAMES, type ModelResponse } from './model-client';
import { fallbackPlan, findPlanProblems, normalisePlan, dependencyDepths } from './plan-validation';
import { coordinatorPlanPrompt, finalizePrompt, planRepairPrompt, specialistsOf, type Prompt } from './prompts';
import { screenMemories, screenTaskResult } from './safety/output-screening';
import { stopTask } from './task-control';
import { announceTaskStatus } from './task-status-announcer';
import { isSubtaskDone, nextWave } from './waves';

/** The network a task runs in, loaded once per coordinator job. */
interface NetworkView {
  network: NetworkRow;
  agents: Map<string, AgentRow>;
  coordinator: AgentRow | undefined;
}

async function loadNetwork(deps: EngineDeps, task: TaskRow): Promise<NetworkView | null> {
  const [network, agents] = await Promise.all([
    deps.store.networks.getRow(task.tenant_id, task.network_id),
    deps.store.agents.byType(task.tenant_id, task.network_id),
  ]);
  return network ? { network, agents, coordinator: agents.get(COORDINATOR_TYPE) } : null;
}

/** Publishes the transition; a terminal one also counts it and enqueues the task's webhook (see announceTaskStatus). */
function publishTaskStatus(deps: EngineDeps, task: TaskRow): Promise<void> {
  return announceTaskStatus(deps, task);
}

async function callCoordinator<T>(
  deps: EngineDeps,
  task: TaskRow,
  view: NetworkView,
  prompt: Prompt,
  schema: { name: string; zod: import('zod').ZodType<T> },
  purpose: string,
): Promise<ModelResponse<T>> {
  const call = deps.inFlight.open(task.id, task.deadline_at);
  try {
    const response = await deps.model.complete<T>({
      system: prompt.system,
      messages: [{ role: 'user', content: prompt.user }],
      schema,
      model: view.coordinator?.model ?? null,
      temperature: view.coordinator?.parameters.temperature ?? 0.3,
      maxTokens: view.coordinator?.parameters.max_tokens ?? 4000,
      signal: call.signal,
      purpose,
      context: { tenantId: task.tenant_id, networkId: task.network_id, taskId: task.id },
    });
    return response;
  } finally {
    call.release();
  }
}

/** Ends the task as completed, unless it has already ended. */
async function completeTask(deps: EngineDeps, task: TaskRow, answered: TaskResult, response: Pick<ModelResponse<unknown>, 'simulated' | 'recorded'>): Promise<void> {
  // A withheld result still completes the task: its content says it was withheld, `safety` says why.
  const { result, items: safety } = await screenTaskResult(deps.safety, answered);
  // The last call's usage is stored before the completion is announced: whoever reads the
  // completed task sees all of it.
  const [done] = await Promise.all([deps.store.tasks.complete(task.tenant_id, task.id, { result, simulated: response.simulated, safety }), callRecorded(response)]);
  if (!done) return;
  // Announced first: whoever waits for the answer hears it one round trip sooner, and a deadline
  // job that fires meanwhile finds the task ended and does nothing.
  await publishTaskStatus(deps, done);
  await deps.queues.cancelDeadline(task.id);
  deps.logger.info('task completed', { task_id: task.id, network_id: task.network_id, iterations: done.iterations });
}

export async function failTask(deps: EngineDeps, task: Pick<TaskRow, 'id' | 'tenant_id' | 'network_id'>, error: string): Promise<void> {
  const failed = await deps.store.tasks.fail(task.tenant_id, task.id, error);
  if (!failed) return;
  await deps.queues.cancelDeadline(task.id);
  await publishTaskStatus(deps, failed);
  deps.logger.warn('task failed', { task_id: task.id, network_id: task.network_id, error });
}

/**
 * Handles a model failure inside a coordinator job: a deadline or stop aborts quietly (the
 * deadline job or the stopper records the outcome); when the model layer has given up, the
 * task fails with its reason; anything else is rethrown for BullMQ to retry.
 */
async function onCoordinatorError(deps: EngineDeps, task: TaskRow, what: string, err: unknown): Promise<void> {
  if (isAbort(err)) {
    deps.logger.info('coordinator call aborted', { task_id: task.id, what });
    return;
  }
  if (isModelFailure(err)) {
    await failTask(deps, task, `${what}: ${describeError(err)}`);
    return;
  }
  throw err;
}

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
  await publishTaskStatus(deps, task);
  const existing = previous.filter((s) => s.iteration === job.iteration);
  if (existing.length > 0) return advanceIteration(deps, task, job.iteration, existing, job.trace); // re-delivered after the plan was stored

  if (!context.network) return; // network deleted
  const agents = new Map(context.agents.map((a) => [a.type, a]));
  const view: NetworkView = { network: context.network, agents, coordinator: agents.get(COORDINATOR_TYPE) };
  const specialists = specialistsOf(view.agents.values());
  if (specialists.length === 0) return failTask(deps, task, 'The network has no specialist agents to delegate to');

  const memory = selectMemory(context.memoryCandidates, deps.settings.memoryTokenBudget);
  deps.metrics?.memoryRetrieved('plan', memory.items.length);
  const prompt = coordinatorPlanPrompt({
    networkName: view.network.name,
    networkDescription: view.network.description,
    coordinator: view.coordinator,
    task,
    sharedContext: view.network.shared_context,
    specialists,
    memory: formatMemory(memory.items),
    previous,
    iteration: job.iteration,
  });

  let decision: CoordinatorDecision;
  let planned: ModelResponse<CoordinatorDecision>;
  try {
    planned = await callCoordinator(deps, task, view, prompt, { name: SCHEMA_NAMES.coordinatorDecision, zod: CoordinatorDecision }, 'plan');
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
    if (memories.items.length > 0) await upsertMemories(deps.store.db, task.tenant_id, task.network_id, memories.items, { kind: 'coordinator', taskId: task.id, agentId: memories.agentId });
    if (decision.result) return completeTask(deps, task, decision.result, planned);
    await callRecorded(planned);
    return deps.queues.enqueueFinalize({ tenantId: task.tenant_id, taskId: task.id, ...traceOf(job) }, task.priority);
  }

  const types = new Set(specialists.map((s) => s.type));
  let plan = normalisePlan(decision.subtasks);
  let problems = findPlanProblems(plan, types);
  if (problems.length > 0) {
    deps.logger.warn('coordinator plan invalid, asking for a repair', { task_id: task.id, iteration: job.iteration, problems });
    try {
      const repaired = await callCoordinator(
        deps,
        task,
        view,
        planRepairPrompt(prompt, problems),
        { name: SCHEMA_NAMES.coordinatorDecision, zod: CoordinatorDecision },
        'plan_repair',
      );
      await callRecorded(repaired);
      const repairedPlan = normalisePlan((repaired.object as CoordinatorDecision).subtasks);
      const repairedProblems = findPlanProblems(repairedPlan, types);
      if (repairedProblems.length === 0) {
        plan = repairedPlan;
        problems = [];
      }
    } catch (err) {
      if (isAbort(err)) return;
      if (!isModelFailure(err)) throw err;
    }
    if (problems.length > 0) {
      deps.logger.warn('coordinator plan still invalid, using the fallback plan', { task_id: task.id, iteration: job.iteration });
      plan = fallbackPlan(task.task, specialists);
    }
  }

  // The plan and the coordinator's memories, stored once in one statement.
  const [stored] = await Promise.all([deps.store.subtasks.insertPlan(task, job.iteration, withAgentIds(plan, view.agents), memories), callRecorded(planned)]);
  deps.logger.info('iteration planned', { task_id: task.id, iteration: job.iteration, subtasks: stored.length });
  await advanceIteration(deps, task, job.iteration, stored, job.trace);
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

function withAgentIds(plan: PlannedSubtask[], agents: Map<string, AgentRow>): (PlannedSubtask & { agent_id: string | null })[] {
  return plan.map((s) => ({ ...s, agent_id: agents.get(s.agent_type)?.id ?? null }));
}

function traceOf(job: { trace?: Record<string, string> | undefined }): { trace?: Record<string, string> } {
  return job.trace ? { trace: job.trace } : {};
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
  if (!subtasks.every(isSubtaskDone)) return; // a wave is still running; its parent job will call again
  // The next iteration (or the synthesis) runs in this job rather than in one of its own: one
  // queue hop less on every task's critical path. Both are idempotent, so a retry of this job
  // that repeats them does no harm.
  if (iteration < task.max_iterations) await runCoordinatorStep(deps, { ...ids, iteration: iteration + 1 });
  else await runFinalize(deps, ids);
}

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

/**
 * `finalize`: the synthesis after the last iteration. A task with no completed subtask has
 * nothing to synthesise from and fails, saying why.
 */
export async function runFinalize(deps: EngineDeps, job: FinalizeJob): Promise<void> {
  const task = await deps.store.tasks.getRow(job.tenantId, job.taskId);
  if (!task || isTerminalTaskStatus(task.status)) return;
  const subtasks = await deps.store.subtasks.forTask(task.id);
  const completed = subtasks.filter((s) => s.status === 'completed');
  if (completed.length === 0) {
    const reasons = [...new Set(subtasks.map((s) => s.error).filter(Boolean))].slice(0, 3);
    return failTask(
      deps,
      task,
      subtasks.length === 0
        ? 'No subtask was planned and the coordinator gave no result'
        : `No subtask produced a result (${subtasks.length} failed or skipped${reasons.length ? `: ${reasons.join('; ')}` : ''})`,
    );
  }
  const view = await loadNetwork(deps, task);
  if (!view) return;
  const memory = await retrieveRelevantMemory(deps.store.db, {
    tenantId: task.tenant_id,
    networkId: task.network_id,
    text: task.task,
    tokenBudget: deps.settings.memoryTokenBudget,
    candidates: deps.settings.memoryCandidates,
  });
  deps.metrics?.memoryRetrieved('finalize', memory.items.length);
  const prompt = finalizePrompt({
    networkName: view.network.name,
    coordinator: view.coordinator,
    task,
    sharedContext: view.network.shared_context,
    memory: formatMemory(memory.items),
    subtasks,
  });
  try {
    const response = await callCoordinator(deps, task, view, prompt, { name: SCHEMA_NAMES.finalSynthesis, zod: FinalSynthesis }, 'finalize');
    await completeTask(deps, task, (response.object as FinalSynthesis).result, response);
  } catch (err) {
    await onCoordinatorError(deps, task, 'The coordinator could not synthesise the final result', err);
  }
}

/** `deadline`: an unfinished task at its deadline ends timed_out. */
export async function runDeadline(deps: EngineDeps, job: DeadlineJob): Promise<void> {
  const task = await deps.store.tasks.getRow(job.tenantId, job.taskId);
  if (!task || isTerminalTaskStatus(task.status)) return;
  await stopTask(deps, task.tenant_id, task.id, 'timed_out', `The task did not finish within its deadline (${task.timeout_seconds} s timeout)`);
}
