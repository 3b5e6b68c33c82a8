import {
  ConflictError,
  COORDINATOR_TYPE,
  FeedbackBody,
  FeedbackCreated,
  FeedbackList,
  isTerminalTaskStatus,
  Lessons,
  NetworkFeedbackQuery,
  NotFoundError,
  PutLessonsBody,
  ValidationError,
  type Lessons as LessonsView,
} from '@mesh/core';
import type { LessonAgent } from '@mesh/store';
import type { ApiDeps } from '../api-deps';
import { requireNetwork } from '../require-network';
import { AgentParams, NetworkParams, TaskParams } from './path-params';
import { defineRoute, type RouteDefinition } from './route-definition';

const TAG = 'learning';

/** 404 unless the agent is in the tenant's network. */
async function requireAgent(deps: Pick<ApiDeps, 'store'>, tenantId: string, networkId: string, agentId: string): Promise<LessonAgent> {
  const agent = await deps.store.lessons.agent(tenantId, networkId, agentId);
  if (!agent) throw new NotFoundError('Agent', agentId);
  return agent;
}

/** An agent's lessons as the routes answer them: the current set, every version, and what waits to be distilled. */
async function lessonsView(deps: Pick<ApiDeps, 'store' | 'config'>, tenantId: string, networkId: string, agent: LessonAgent): Promise<LessonsView> {
  const [history, pending] = await Promise.all([
    deps.store.lessons.history(tenantId, networkId, agent.type),
    deps.store.feedback.pendingCount(tenantId, networkId, agent.type),
  ]);
  const latest = history[0];
  return {
    agent_id: agent.id,
    agent_type: agent.type,
    current: latest && latest.lessons.length > 0 ? latest : null,
    history,
    pending_feedback: pending,
    lesson_every: deps.config.lessons.every,
  };
}

export const feedbackRoutes: RouteDefinition[] = [
  defineRoute({
    method: 'post',
    path: '/networks/:network_id/tasks/:task_id/feedback',
    summary:
      "Rate a finished task (1-5), with an optional comment and correction. With subtask_id the feedback is on that subtask's agent type, otherwise on the coordinator; it is also stored as shared memory of type feedback. Every MESH_LESSON_EVERY new items of an agent type, its lessons are distilled again",
    tag: TAG,
    params: TaskParams,
    body: FeedbackBody,
    responses: { 201: { description: 'The feedback, with the id of its memory item', schema: FeedbackCreated } },
    errors: [400, 404, 409, 413, 415],
    async handle({ deps, tenantId, params, body }) {
      const task = await deps.store.tasks.require(tenantId, params.task_id, params.network_id);
      let agentType = COORDINATOR_TYPE;
      if (body.subtask_id) {
        const subtask = (await deps.store.subtasks.forTask(task.id)).find((s) => s.id === body.subtask_id);
        if (!subtask) throw new ValidationError(`Subtask ${body.subtask_id} is not a subtask of task ${task.id}`, [{ path: 'subtask_id', message: 'not a subtask of this task' }]);
        agentType = subtask.agent_type;
      }
      if (!isTerminalTaskStatus(task.status)) throw new ConflictError(`Task ${task.id} is ${task.status}: feedback is given once it has ended`, { status: task.status });
      const { feedback, pending } = await deps.store.feedback.create({
        tenantId,
        networkId: task.network_id,
        taskId: task.id,
        subtaskId: body.subtask_id ?? null,
        agentType,
        rating: body.rating,
        comment: body.comment ?? null,
        correction: body.correction ?? null,
      });
      const every = deps.config.lessons.every;
      if (every > 0 && pending >= every) {
        // Stored either way: the next feedback item of the type asks again if this enqueue fails.
        await deps.queues.enqueueLessons({ tenantId, networkId: task.network_id, agentType }).catch((err: unknown) =>
          deps.logger.warn('could not enqueue the lessons job', { network_id: task.network_id, agent_type: agentType, error: err }),
        );
      }
      deps.logger.info('feedback received', { task_id: task.id, network_id: task.network_id, agent_type: agentType, rating: body.rating, pending_feedback: pending });
      return { status: 201, body: { feedback } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/networks/:network_id/tasks/:task_id/feedback',
    summary: "A task's feedback, oldest first",
    tag: TAG,
    params: TaskParams,
    responses: { 200: { description: 'The feedback', schema: FeedbackList } },
    errors: [400, 404],
    async handle({ deps, tenantId, params }) {
      const task = await deps.store.tasks.require(tenantId, params.task_id, params.network_id);
      return { status: 200, body: { feedback: await deps.store.feedback.forTask(tenantId, task.id) } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/networks/:network_id/feedback',
    summary: "A network's feedback, newest first (of one agent type with ?agent_type=)",
    tag: TAG,
    params: NetworkParams,
    query: NetworkFeedbackQuery,
    responses: { 200: { description: 'The feedback', schema: FeedbackList } },
    errors: [400, 404],
    async handle({ deps, tenantId, params, query }) {
      await requireNetwork(deps, tenantId, params.network_id);
      const feedback = await deps.store.feedback.forNetwork(tenantId, params.network_id, { ...(query.agent_type ? { agentType: query.agent_type } : {}), limit: query.limit });
      return { status: 200, body: { feedback } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/networks/:network_id/agents/:agent_id/lessons',
    summary: "An agent's lessons from people's feedback: the current set its prompts carry, every version (newest first) and how much feedback waits to be distilled",
    tag: TAG,
    params: AgentParams,
    responses: { 200: { description: 'The lessons', schema: Lessons } },
    errors: [400, 404],
    async handle({ deps, tenantId, params }) {
      const agent = await requireAgent(deps, tenantId, params.network_id, params.agent_id);
      return { status: 200, body: await lessonsView(deps, tenantId, params.network_id, agent) };
    },
  }),
  defineRoute({
    method: 'put',
    path: '/networks/:network_id/agents/:agent_id/lessons',
    summary: "Replace an agent's lessons with a person's (a new version; an empty list clears them). The agent's next prompts carry them",
    tag: TAG,
    params: AgentParams,
    body: PutLessonsBody,
    responses: { 200: { description: 'The lessons as they are now', schema: Lessons } },
    errors: [400, 404, 413, 415],
    async handle({ deps, tenantId, params, body }) {
      const agent = await requireAgent(deps, tenantId, params.network_id, params.agent_id);
      const stored = await deps.store.lessons.put(tenantId, params.network_id, agent.type, body.lessons);
      deps.logger.info('lessons set by a person', { network_id: params.network_id, agent_type: agent.type, version: stored.version, lessons: body.lessons.length });
      return { status: 200, body: await lessonsView(deps, tenantId, params.network_id, agent) };
    },
  }),
];
