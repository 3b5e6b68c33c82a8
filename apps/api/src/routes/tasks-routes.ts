import { ConflictError, COORDINATOR_TYPE, isTerminalTaskStatus, MeshError, NotFoundError, PlaygroundRunBody, SubmitTaskBody, Task, TaskList, TaskListQuery, WaitQuery } from '@mesh/core';
import { copyTaskForRerun, retrySubtask, startPlayground, stopTask } from '@mesh/tasks';
import { injectTraceContext } from '@mesh/observability';
import { assertCallbackUrlAllowed } from '@mesh/webhooks';
import type { ApiDeps } from '../api-deps';
import { takeAttachments } from '../attachment-intake';
import { currentTraceId, withTaskTrace } from '../task-trace';
import { requireNetwork } from '../require-network';
import { waitForTaskEnd } from '../wait-for-task-end';
import { AgentParams, NoBody, NetworkParams, SubtaskParams, TaskParams } from './path-params';
import { defineRoute, type RouteDefinition } from './route-definition';

const TAG = 'tasks';

/** The task as the API shows it (with subtasks and usage), or 404. */
async function loadTask(deps: ApiDeps, tenantId: string, networkId: string, taskId: string): Promise<Task> {
  const task = await deps.store.tasks.get(tenantId, taskId, networkId);
  if (!task) throw new NotFoundError('Task', taskId);
  return task;
}

/** `?wait=N`: the task after waiting for its end, and whether it ended. */
async function afterWait(
  deps: ApiDeps,
  tenantId: string,
  task: Task,
  waitSeconds: number | undefined,
  signal: AbortSignal,
): Promise<{ task: Task; terminal: boolean }> {
  if (waitSeconds === undefined || waitSeconds <= 0 || isTerminalTaskStatus(task.status)) {
    return { task, terminal: isTerminalTaskStatus(task.status) };
  }
  await waitForTaskEnd(deps, tenantId, task.id, waitSeconds, signal);
  const current = await loadTask(deps, tenantId, task.network_id, task.id);
  return { task: current, terminal: isTerminalTaskStatus(current.status) };
}

export const taskRoutes: RouteDefinition[] = [
  defineRoute({
    method: 'post',
    path: '/networks/:network_id/tasks',
    summary: 'Submit a task (stored pending; `"process": true` also starts it; `?wait=N` then waits for its end)',
    tag: TAG,
    params: NetworkParams,
    query: WaitQuery,
    body: SubmitTaskBody,
    // Inline attachments arrive as base64 (4 characters for 3 bytes) on top of the ordinary body.
    bodyLimitBytes: (config) => config.http.bodyLimitBytes + Math.ceil(config.attachments.maxTaskBytes / 3) * 4 + config.attachments.maxFiles * 4096,
    uploads: {
      bodyField: 'task',
      limits: (config) => ({ ...config.attachments, fieldBytes: config.http.bodyLimitBytes }),
      description:
        'The same task as a form: the field `task` holds the JSON body (without `attachments`), and each file part is one attachment: its file name is the attachment\'s name, its Content-Type the declared media type.',
      example: { task: { task: 'Describe the chart for the launch email', priority: 3 }, files: ['(the bytes of launch-chart.png, sent with Content-Type: image/png)'] },
    },
    responses: {
      201: { description: 'The task: pending, or queued with `"process": true`', schema: Task },
      200: { description: 'With `?wait`: the task reached a terminal status in time', schema: Task },
    },
    errors: [400, 402, 404, 413, 415, 503],
    async handle({ deps, tenantId, params, query, body, signal, uploads }) {
      if (body.callback_url !== undefined) assertCallbackUrlAllowed(deps.config, body.callback_url);
      const given = { json: body.attachments ?? [], uploads };
      // Another tenant's network is a 404 before any URL is fetched.
      if (given.json.length > 0 || given.uploads.length > 0) await requireNetwork(deps, tenantId, params.network_id);
      const attachments = await takeAttachments(given, { policy: deps.tools.policy, limits: deps.config.attachments, signal });
      if (body.process) await deps.admission.assertMayStart(deps, tenantId, params.network_id);
      const traceId = currentTraceId();
      const created = await deps.store.tasks.create(tenantId, params.network_id, body, { ...(traceId ? { traceId } : {}), attachments });
      if (!created) throw new NotFoundError('Network', params.network_id);
      if (!body.process) return { status: 201, body: created };
      try {
        await withTaskTrace(deps, created, (trace) => deps.admission.startSubmitted(deps, tenantId, created.id, trace));
      } catch (err) {
        // The task is stored (pending): say which, so the client can retry `/process` instead of submitting again.
        if (err instanceof MeshError && err.status === 503) {
          throw new MeshError(err.code, err.status, err.message, { details: { task_id: created.id, status: 'pending' }, cause: err });
        }
        throw err;
      }
      const started = await loadTask(deps, tenantId, params.network_id, created.id);
      const { task, terminal } = await afterWait(deps, tenantId, started, query.wait, signal);
      return { status: terminal && query.wait !== undefined ? 200 : 201, body: task };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/networks/:network_id/tasks',
    summary: "List a network's tasks, newest first",
    tag: TAG,
    params: NetworkParams,
    query: TaskListQuery,
    responses: { 200: { description: 'A page of tasks (without subtasks) and the total', schema: TaskList } },
    errors: [400, 404],
    async handle({ deps, tenantId, params, query }) {
      await requireNetwork(deps, tenantId, params.network_id);
      const { tasks, total } = await deps.store.tasks.list(tenantId, params.network_id, query);
      return { status: 200, body: { tasks, total, limit: query.limit, offset: query.offset } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/networks/:network_id/tasks/:task_id',
    summary: 'Get a task with its subtasks, result and usage (`?wait=N` holds the answer until it ends)',
    tag: TAG,
    params: TaskParams,
    query: WaitQuery,
    responses: { 200: { description: 'The task', schema: Task } },
    errors: [400, 404],
    async handle({ deps, tenantId, params, query, signal }) {
      const task = await loadTask(deps, tenantId, params.network_id, params.task_id);
      return { status: 200, body: (await afterWait(deps, tenantId, task, query.wait, signal)).task };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/networks/:network_id/tasks/:task_id/process',
    summary: 'Start processing a task; idempotent: a repeated call changes nothing and answers with the current status',
    tag: TAG,
    params: TaskParams,
    query: WaitQuery,
    body: NoBody,
    responses: {
      202: { description: 'Accepted: the task with its current status', schema: Task },
      200: { description: 'With `?wait`: the task reached a terminal status in time', schema: Task },
    },
    errors: [400, 402, 404, 415, 503],
    async handle({ deps, tenantId, params, query, signal }) {
      const row = await deps.store.tasks.require(tenantId, params.task_id, params.network_id);
      if (row.status === 'pending') {
        await deps.admission.assertMayStart(deps, tenantId, params.network_id);
        await withTaskTrace(deps, row, (trace) => deps.admission.start(deps, tenantId, row.id, trace));
      }
      const current = await loadTask(deps, tenantId, params.network_id, params.task_id);
      const { task, terminal } = await afterWait(deps, tenantId, current, query.wait, signal);
      return { status: terminal && query.wait !== undefined ? 200 : 202, body: task };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/networks/:network_id/tasks/:task_id/cancel',
    summary: 'Cancel an unfinished task: its waiting jobs are removed (409 when it had already ended)',
    tag: TAG,
    params: TaskParams,
    body: NoBody,
    responses: { 200: { description: 'The task, now cancelled', schema: Task } },
    errors: [400, 404, 409, 415],
    async handle({ deps, tenantId, params }) {
      await deps.store.tasks.require(tenantId, params.task_id, params.network_id);
      const stopped = await stopTask(deps, tenantId, params.task_id, 'cancelled', 'cancelled by client');
      const task = await loadTask(deps, tenantId, params.network_id, params.task_id);
      if (!stopped) throw new ConflictError(`Task ${task.id} has already ended (${task.status})`, { status: task.status });
      return { status: 200, body: task };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/networks/:network_id/tasks/:task_id/rerun',
    summary: 'Re-run a task: a new task in the same network with the same input (text, context, priority, callback_url, attachments, the approval settings it ran with), started at once',
    tag: TAG,
    params: TaskParams,
    query: WaitQuery,
    body: NoBody,
    responses: {
      201: { description: 'The new task, queued', schema: Task },
      200: { description: 'With `?wait`: the new task reached a terminal status in time', schema: Task },
    },
    errors: [400, 402, 404, 415, 429, 503],
    async handle({ deps, tenantId, params, query, signal }) {
      await deps.store.tasks.require(tenantId, params.task_id, params.network_id);
      await deps.admission.assertMayStart(deps, tenantId, params.network_id);
      const traceId = currentTraceId();
      const created = await copyTaskForRerun(deps, tenantId, params.network_id, params.task_id, traceId ? { traceId } : {});
      if (!created) throw new NotFoundError('Task', params.task_id);
      await withTaskTrace(deps, created, (trace) => deps.admission.startSubmitted(deps, tenantId, created.id, trace));
      const started = await loadTask(deps, tenantId, params.network_id, created.id);
      const { task, terminal } = await afterWait(deps, tenantId, started, query.wait, signal);
      return { status: terminal && query.wait !== undefined ? 200 : 201, body: task };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/networks/:network_id/tasks/:task_id/subtasks/:subtask_id/retry',
    summary:
      "Retry one failed subtask of a completed or failed task, through the queue: the task runs again from that subtask's iteration (the last one with subtasks), and when the subtask has run the coordinator plans (or synthesises) again, so the task's outcome is recomputed. 409 when the task has not ended, the subtask did not fail, or a later iteration was planned from its failure",
    tag: TAG,
    params: SubtaskParams,
    query: WaitQuery,
    body: NoBody,
    responses: {
      202: { description: 'Accepted: the task, in progress again, with the subtask queued', schema: Task },
      200: { description: 'With `?wait`: the task reached a terminal status again in time', schema: Task },
    },
    errors: [400, 402, 404, 409, 415, 429, 503],
    async handle({ deps, tenantId, params, query, signal }) {
      const row = await deps.store.tasks.require(tenantId, params.task_id, params.network_id);
      await deps.admission.assertMayStart(deps, tenantId, params.network_id);
      await withTaskTrace(deps, row, (trace) => retrySubtask(deps, tenantId, params.network_id, params.task_id, params.subtask_id, trace));
      const current = await loadTask(deps, tenantId, params.network_id, params.task_id);
      const { task, terminal } = await afterWait(deps, tenantId, current, query.wait, signal);
      return { status: terminal && query.wait !== undefined ? 200 : 202, body: task };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/networks/:network_id/agents/:agent_id/playground',
    summary:
      "The agent playground: run one specialist of the network on an ad-hoc input through the real worker pool, as a task of one subtask; its result is that agent's answer (no coordinator call). Follow it like any task",
    tag: 'agents',
    params: AgentParams,
    query: WaitQuery,
    body: PlaygroundRunBody,
    responses: {
      201: { description: 'The playground task, running, with its one subtask queued', schema: Task },
      200: { description: 'With `?wait`: the run ended in time', schema: Task },
    },
    errors: [400, 402, 404, 409, 413, 415, 429, 503],
    async handle({ deps, tenantId, params, query, body, signal }) {
      await requireNetwork(deps, tenantId, params.network_id);
      const agent = (await deps.store.agents.list(tenantId, params.network_id)).find((a) => a.id === params.agent_id);
      if (!agent) throw new NotFoundError('Agent', params.agent_id);
      if (agent.type === COORDINATOR_TYPE) throw new ConflictError('The coordinator plans and synthesises: run a specialist of the network in the playground');
      await deps.admission.assertMayStart(deps, tenantId, params.network_id);
      const traceId = currentTraceId();
      // Its jobs join the request's trace, which the task keeps as its trace_id.
      const trace = injectTraceContext();
      const started = await startPlayground(deps, tenantId, params.network_id, { id: agent.id, type: agent.type }, body, { ...(traceId ? { traceId } : {}), ...(trace ? { trace } : {}) });
      if (!started) throw new NotFoundError('Network', params.network_id);
      const { task, terminal } = await afterWait(deps, tenantId, started, query.wait, signal);
      return { status: terminal && query.wait !== undefined ? 200 : 201, body: task };
    },
  }),
];
