import { LlmCallList } from '@mesh/core';
import { toLlmCall } from '@mesh/store';
import { TaskParams } from './path-params';
import { defineRoute, type RouteDefinition } from './route-definition';

/** The call inspector: every model call of a task, as the console's task page shows it. */
export const taskCallRoutes: RouteDefinition[] = [
  defineRoute({
    method: 'get',
    path: '/networks/:network_id/tasks/:task_id/calls',
    summary:
      "A task's model calls in the order they began (coordinator plans and repairs, each subtask and tool-loop turn, the synthesis): purpose, model, attempts and fallbacks, tokens, cost, latency, and what was sent and came back unless MESH_LLM_RECORD_PROMPTS is false or MESH_LLM_PROMPT_RETENTION_DAYS has passed",
    tag: 'tasks',
    params: TaskParams,
    responses: { 200: { description: 'The calls, and what this deployment records of them', schema: LlmCallList } },
    errors: [400, 404],
    async handle({ deps, tenantId, params }) {
      await deps.store.tasks.require(tenantId, params.task_id, params.network_id);
      const calls = await deps.store.llmCalls.callsOfTask(tenantId, params.task_id);
      const body: LlmCallList = {
        calls: calls.map(toLlmCall),
        recording: { prompts: deps.config.callRecording.prompts, retention_days: deps.config.callRecording.retentionDays },
      };
      return { status: 200, body };
    },
  }),
];
