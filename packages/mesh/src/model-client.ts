import type { ZodType } from 'zod';

/**
 * The slice of @mesh/llm's client the engine uses. The engine depends on this shape only, so its
 * tests can drive it with a scripted model and the apps pass the real client unchanged.
 */
export interface ModelRequest<T> {
  system: string;
  messages: { role: 'user' | 'assistant'; content: string }[];
  schema?: { name: string; zod: ZodType<T>; description?: string };
  model?: string | null;
  temperature?: number;
  maxTokens?: number;
  signal?: AbortSignal;
  timeoutMs?: number;
  purpose?: string;
  context?: { tenantId?: string; networkId?: string; taskId?: string; subtaskId?: string };
}

export interface ModelResponse<T> {
  text: string;
  object?: T;
  usage: { inputTokens: number; outputTokens: number };
  costUsd: number;
  provider: string;
  model: string;
  simulated: boolean;
  attempts: unknown[];
  /** Settles when the call's attempts are stored (see @mesh/llm's CompletionResponse); absent for clients that store nothing. */
  recorded?: Promise<void>;
}

/** Waits for a call's attempts to be stored: its usage is then part of the task's. */
export async function callRecorded(response: Pick<ModelResponse<unknown>, 'recorded'>): Promise<void> {
  await response.recorded;
}

export interface ModelClient {
  complete<T = unknown>(request: ModelRequest<T>): Promise<ModelResponse<T>>;
}

/** Schema names the engine sends; the simulated provider's responders are keyed by them. */
export const SCHEMA_NAMES = {
  coordinatorDecision: 'coordinator_decision',
  agentOutput: 'agent_output',
  finalSynthesis: 'final_synthesis',
} as const;
