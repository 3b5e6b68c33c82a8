import { COORDINATOR_TYPE } from '@mesh/core';
import type { AgentRow, NetworkRow, TaskRow } from '@mesh/store';
import type { ZodType } from 'zod';
import type { EngineDeps } from '../engine-deps';
import type { ModelResponse } from '../model-client';
import type { Prompt } from '../prompts';

/** The network a task runs in, loaded once per coordinator job. */
export interface NetworkView {
  network: NetworkRow;
  agents: Map<string, AgentRow>;
  coordinator: AgentRow | undefined;
}

export function networkView(network: NetworkRow, agents: Map<string, AgentRow>): NetworkView {
  return { network, agents, coordinator: agents.get(COORDINATOR_TYPE) };
}

export async function loadNetwork(deps: EngineDeps, task: TaskRow): Promise<NetworkView | null> {
  const [network, agents] = await Promise.all([
    deps.store.networks.getRow(task.tenant_id, task.network_id),
    deps.store.agents.byType(task.tenant_id, task.network_id),
  ]);
  return network ? networkView(network, agents) : null;
}

/** One coordinator model call for `task`, aborted when the task is stopped or reaches its deadline. */
export async function callCoordinator<T>(
  deps: EngineDeps,
  task: TaskRow,
  view: NetworkView,
  prompt: Prompt,
  schema: { name: string; zod: ZodType<T> },
  purpose: string,
  iteration?: number,
): Promise<ModelResponse<T>> {
  const call = deps.inFlight.open(task.id, task.deadline_at);
  try {
    return await deps.model.complete<T>({
      system: prompt.system,
      messages: [{ role: 'user', content: prompt.user }],
      schema,
      model: view.coordinator?.model ?? null,
      temperature: view.coordinator?.parameters.temperature ?? 0.3,
      maxTokens: view.coordinator?.parameters.max_tokens ?? 4000,
      signal: call.signal,
      purpose,
      context: { tenantId: task.tenant_id, networkId: task.network_id, taskId: task.id },
      annotations: { ...(prompt.memory ? { memory: prompt.memory } : {}), ...(iteration !== undefined ? { iteration } : {}) },
    });
  } finally {
    call.release();
  }
}

export function traceOf(job: { trace?: Record<string, string> | undefined }): { trace?: Record<string, string> } {
  return job.trace ? { trace: job.trace } : {};
}
