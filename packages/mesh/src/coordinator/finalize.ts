import { COORDINATOR_TYPE, FinalSynthesis, isTerminalTaskStatus } from '@mesh/core';
import type { FinalizeJob } from '@mesh/queue';
import type { EngineDeps } from '../engine-deps';
import { formatMemory, retrieveRelevantMemory } from '../memory-retrieval';
import { SCHEMA_NAMES } from '../model-client';
import { finalizePrompt, memoryNotes } from '../prompts';
import { callCoordinator, loadNetwork } from './coordinator-call';
import { completeTask, failTask, onCoordinatorError } from './task-outcome';

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
      task.tenant_id,
      task.id,
      subtasks.length === 0
        ? 'No subtask was planned and the coordinator gave no result'
        : `No subtask produced a result (${subtasks.length} failed or skipped${reasons.length ? `: ${reasons.join('; ')}` : ''})`,
    );
  }
  // A playground run asked one agent: its answer is the result, with no coordinator call.
  const answer = task.playground ? completed[0] : undefined;
  if (answer) {
    const result = { content: answer.result ?? '', confidence: answer.confidence ?? 0.5, explanation: `The ${answer.agent_type} agent's answer (a playground run: no coordinator).` };
    return completeTask(deps, task, result, { simulated: answer.model?.startsWith('simulated:') ?? false, recorded: Promise.resolve() });
  }
  const view = await loadNetwork(deps, task);
  if (!view) return;
  const [memory, lessons] = await Promise.all([
    retrieveRelevantMemory(deps.store.memory, {
      tenantId: task.tenant_id,
      networkId: task.network_id,
      text: task.task,
      tokenBudget: deps.settings.memoryTokenBudget,
      candidates: deps.settings.memoryCandidates,
      ...(deps.meaning ? { meaning: deps.meaning } : {}),
      agentType: COORDINATOR_TYPE,
    }),
    deps.store.lessons.current(task.tenant_id, task.network_id, COORDINATOR_TYPE),
  ]);
  deps.metrics?.memoryRetrieved('finalize', memory.items.length);
  const synthesis = finalizePrompt({
    networkName: view.network.name,
    coordinator: view.coordinator,
    task,
    sharedContext: view.network.shared_context,
    memory: formatMemory(memory.items),
    subtasks,
    lessons,
  });
  const prompt = { ...synthesis, memory: memoryNotes(memory.items) };
  try {
    const response = await callCoordinator(deps, task, view, prompt, { name: SCHEMA_NAMES.finalSynthesis, zod: FinalSynthesis }, 'finalize', task.iterations);
    await completeTask(deps, task, (response.object as FinalSynthesis).result, response);
  } catch (err) {
    await onCoordinatorError(deps, task, 'The coordinator could not synthesise the final result', err);
  }
}
