import { AgentOutput, describeError, isBudgetExhausted, type SubtaskStatus } from '@mesh/core';
import { failTask } from './coordinator/task-outcome';
import type { SubtaskJob } from '@mesh/queue';
import type { SubtaskRow } from '@mesh/store';
import type { EngineDeps } from './engine-deps';
import { AwaitingPerson, isAbort, isModelFailure, UnrecoverableJobError } from './errors';
import { formatMemory, retrieveRelevantMemory } from './memory-retrieval';
import { callRecorded, SCHEMA_NAMES } from './model-client';
import { memoryNotes, subtaskPrompt } from './prompts';
import { loadSubtaskAttachments, subtaskMessageContent } from './subtask-attachments';
import { screenAgentOutput } from './safety/output-screening';
import { agentTools } from './tool-loop/agent-tools';
import { runToolLoop } from './tool-loop/tool-loop';

export interface SubtaskAttempt {
  /** Attempts BullMQ has already made of this job (0 on the first run). */
  attemptsMade: number;
  /** Attempts the job has in all. */
  attempts: number;
  /** Fires when this process is shutting down: the job is handed back, not failed. */
  shutdown?: AbortSignal;
}

/** `parked`: a tool call or question waits for a person; the subtask runs again after the decision. */
export type SubtaskOutcome = 'completed' | 'failed' | 'skipped' | 'parked';

function publish(deps: EngineDeps, s: Pick<SubtaskRow, 'id' | 'task_id' | 'key' | 'agent_type'>, status: SubtaskStatus): void {
  deps.events.publishQuietly({
    type: 'subtask.status',
    task_id: s.task_id,
    subtask_id: s.id,
    key: s.key,
    agent_type: s.agent_type,
    status,
    at: new Date().toISOString(),
  });
}

/**
 * Runs one subtask: load it with its agent, dependencies' results and relevant memory; call the
 * model (fallback chain inside); store the result and the agent's suggested memories in one
 * statement. Idempotent: a subtask that has ended, or whose task has ended, is skipped, and a
 * duplicate delivery that finishes second writes nothing.
 */
export async function runSubtask(deps: EngineDeps, job: SubtaskJob, attempt: SubtaskAttempt): Promise<SubtaskOutcome> {
  // Claimed and loaded in one statement; null when missing, another tenant's (the job's tenant
  // is re-checked against the database), ended, or its task has ended.
  const work = await deps.store.subtasks.claim(job.tenantId, job.taskId, job.subtaskId, deps.workerId);
  if (!work) return 'skipped';
  const started = work.subtask;
  publish(deps, started, 'in_progress');
  const log = deps.logger.child({ task_id: work.task.id, network_id: work.task.network_id, subtask_id: work.subtask.id, agent_type: work.subtask.agent_type });

  if (!work.agent) {
    await fail(deps, started, `The network has no agent of type "${work.subtask.agent_type}" (it was removed)`);
    return 'failed';
  }

  const call = deps.inFlight.open(work.task.id, work.task.deadline_at, attempt.shutdown);
  const startedAt = Date.now();
  try {
    const scope = { tenantId: work.task.tenant_id, networkId: work.task.network_id, taskId: work.task.id, subtaskId: work.subtask.id };
    // Memory is a query of its own, not part of the claim: measured, claims stay short and more
    // subtasks reach their model call sooner (docs: bench/RESULTS.md). The agent's tools are
    // looked up beside it, not after it.
    const [memory, tools, files] = await Promise.all([
      retrieveRelevantMemory(deps.store.memory, {
        tenantId: work.task.tenant_id,
        networkId: work.task.network_id,
        text: `${work.subtask.description}\n${work.task.task}`,
        // The local encoder is the costliest step of a subtask (15-20 ms of CPU per text): a subtask
        // searches by its task's meaning, which the coordinator encoded when it planned.
        meaningText: work.task.task,
        knownMeaning: work.taskMeaning,
        tokenBudget: deps.settings.memoryTokenBudget,
        candidates: deps.settings.memoryCandidates,
        ...(deps.meaning ? { meaning: deps.meaning } : {}),
        agentType: work.subtask.agent_type,
      }),
      agentTools(deps, work.agent, scope, { questions: work.task.approvals?.questions ?? false, toolIds: work.toolIds }),
      // The files the plan gave this subtask, bytes included: they go to the model with the prompt.
      loadSubtaskAttachments(deps.store, work),
    ]);
    if (!files.ok) {
      await fail(deps, started, files.problem);
      deps.metrics?.subtaskFinished(started.agent_type, 'failed', Date.now() - startedAt);
      log.warn('subtask failed: its attachments cannot be loaded', { error: files.problem });
      return 'failed';
    }
    deps.metrics?.memoryRetrieved('subtask', memory.items.length);
    const prompt = subtaskPrompt(work, formatMemory(memory.items), tools.map((t) => t.name));
    const response = await runToolLoop(deps, {
      request: {
        system: prompt.system,
        schema: { name: SCHEMA_NAMES.agentOutput, zod: AgentOutput },
        model: work.agent.model,
        temperature: work.agent.parameters.temperature,
        maxTokens: work.agent.parameters.max_tokens,
        signal: call.signal,
        purpose: 'subtask',
        context: scope,
        annotations: { memory: memoryNotes(memory.items), iteration: work.subtask.iteration },
      },
      user: subtaskMessageContent(prompt.user, files.parts),
      tools,
      scope,
      // The claim counts attempts in Postgres: on the first, no call can have been recorded.
      firstAttempt: work.subtask.attempts <= 1,
      // A tool's own requires_approval holds whatever the task's settings say.
      people: { policy: work.task.approvals?.tool_calls ?? 'none', subtask: { key: work.subtask.key, agent_type: work.subtask.agent_type }, task: work.task },
    });
    // Screened before it is stored: what the filter withheld never reaches the database.
    const { output, items: safety } = await screenAgentOutput(deps.safety, response.object as AgentOutput, work.subtask, call.signal);
    // The result and the call's usage rows are written side by side; both are stored before the job ends.
    const [completed] = await Promise.all([
      deps.store.subtasks.complete(work, {
        result: output.result,
        reasoning: output.reasoning,
        confidence: output.confidence,
        model: `${response.provider}:${response.model}`,
        memories: output.suggested_memories.slice(0, 5),
        safety,
      }),
      callRecorded(response),
    ]);
    if (safety.length > 0) log.info('agent output flagged by the safety filter', { actions: safety.map((s) => `${s.where}: ${s.action}`) });
    if (!completed) return 'skipped'; // ended meanwhile (stopped, or a duplicate run won)
    publish(deps, completed, 'completed');
    deps.metrics?.subtaskFinished(completed.agent_type, 'completed', Date.now() - startedAt);
    log.info('subtask completed', { duration_ms: Date.now() - startedAt, model: completed.model, memories: output.suggested_memories.length });
    return 'completed';
  } catch (err) {
    if (err instanceof AwaitingPerson) {
      // The job ends; the subtask holds no worker while a person decides (see settleParked).
      await err.recorded;
      const parked = await deps.store.subtasks.park(started.id);
      if (parked) publish(deps, parked, 'awaiting_approval');
      log.info('subtask waits for a person', { approvals: err.approvalIds });
      return parked ? 'parked' : 'skipped';
    }
    if (isBudgetExhausted(err)) {
      // A used-up budget stops the task, not only this subtask: nothing else of it may call a model.
      await fail(deps, started, describeError(err));
      await failTask(deps, work.task.tenant_id, work.task.id, err instanceof Error ? err.message : describeError(err));
      deps.metrics?.subtaskFinished(started.agent_type, 'failed', Date.now() - startedAt);
      log.warn('subtask stopped: budget exhausted', { error: describeError(err) });
      return 'failed';
    }
    if (isAbort(err, call.signal)) {
      // Shutting down: hand the job back so another process runs it. Stopped or past the
      // deadline: whoever stopped the task records the outcome.
      if (attempt.shutdown?.aborted) throw err;
      deps.metrics?.subtaskFinished(started.agent_type, 'aborted', Date.now() - startedAt);
      log.info('subtask aborted', { reason: describeError(call.signal.reason ?? err) });
      return 'skipped';
    }
    const modelGaveUp = isModelFailure(err);
    if (modelGaveUp || attempt.attemptsMade + 1 >= attempt.attempts) {
      await fail(deps, started, describeError(err));
      deps.metrics?.subtaskFinished(started.agent_type, 'failed', Date.now() - startedAt);
      log.warn('subtask failed', { error: describeError(err), attempts: attempt.attemptsMade + 1 });
    }
    // The model layer has already retried and fallen back: another job attempt cannot help.
    if (modelGaveUp) throw new UnrecoverableJobError(describeError(err), { cause: err });
    throw err;
  } finally {
    call.release();
  }
}

async function fail(deps: EngineDeps, subtask: SubtaskRow, error: string): Promise<void> {
  const failed = await deps.store.subtasks.fail(subtask.id, error);
  if (failed) publish(deps, failed, 'failed');
}
