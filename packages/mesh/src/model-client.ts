import type { CompletionRequest, CompletionResponse } from '@mesh/llm';

/**
 * The slice of @mesh/llm's client the engine uses: one model call, a request in, a response out.
 * The engine depends on this shape only, so its tests can drive it with a scripted model and the
 * processes pass the real client unchanged.
 */
export type ModelRequest<T> = CompletionRequest<T>;

/** The model layer's response; a client that stores nothing (a scripted model) leaves out what only storing and tool turns give. */
export type ModelResponse<T> = Omit<CompletionResponse<T>, 'attempts' | 'recorded' | 'stopReason'> &
  Partial<Pick<CompletionResponse<T>, 'recorded' | 'stopReason'>> & {
    attempts: unknown[];
  };

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
  /** A judge's score of an evaluation case's result against its rubric. */
  rubricVerdict: 'rubric_verdict',
  /** An agent type's lessons distilled from people's feedback. */
  distilledLessons: 'distilled_lessons',
} as const;
