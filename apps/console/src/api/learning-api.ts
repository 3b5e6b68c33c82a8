import { meshApi } from './mesh-api';
import type { Feedback, FeedbackInput, LessonInput, Lessons } from './learning-types';

const seg = encodeURIComponent;

/**
 * The console's calls for feedback on results and an agent's lessons, through the same client
 * (and credentials) as every other call. Stats and evaluation runs are MeshClient methods
 * (`networkStats`, `listEvals`, `getEval`, `compareEvals`), shared with the CLI.
 */
export const learningApi = {
  /** Rates the task's result, or one of its subtasks (`subtask_id`); the task must have ended (409 before). */
  createFeedback(networkId: string, taskId: string, input: FeedbackInput): Promise<{ feedback: Feedback }> {
    return meshApi.request('POST', `/networks/${seg(networkId)}/tasks/${seg(taskId)}/feedback`, { body: input });
  },

  /** The task's feedback, oldest first. */
  listTaskFeedback(networkId: string, taskId: string, signal?: AbortSignal): Promise<{ feedback: Feedback[] }> {
    return meshApi.request('GET', `/networks/${seg(networkId)}/tasks/${seg(taskId)}/feedback`, { signal });
  },

  /** The network's feedback, newest first; `agent_type` for one agent's. */
  listNetworkFeedback(networkId: string, query: { agent_type?: string | undefined; limit?: number | undefined } = {}, signal?: AbortSignal): Promise<{ feedback: Feedback[] }> {
    return meshApi.request('GET', `/networks/${seg(networkId)}/feedback`, { query: { ...query }, signal });
  },

  getLessons(networkId: string, agentId: string, signal?: AbortSignal): Promise<Lessons> {
    return meshApi.request('GET', `/networks/${seg(networkId)}/agents/${seg(agentId)}/lessons`, { signal });
  },

  /** A person's version of the agent's lessons; an empty list clears them. */
  putLessons(networkId: string, agentId: string, lessons: LessonInput[]): Promise<Lessons> {
    return meshApi.request('PUT', `/networks/${seg(networkId)}/agents/${seg(agentId)}/lessons`, { body: { lessons } });
  },
};
