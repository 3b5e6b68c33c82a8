import { z } from 'zod';
import { TaskEventStream } from '../task-event-stream';
import { TaskParams } from './path-params';
import { defineRoute, type RouteDefinition } from './route-definition';

const STREAM_DESCRIPTION = [
  'A `text/event-stream`; every event has an increasing `id:`.',
  '`event: snapshot` — data: the task as `GET .../tasks/{task_id}` returns it, with subtasks (always first).',
  '`event: task.status` and `event: subtask.status` — data: the TaskEvent, as they happen, in order.',
  '`event: tool.call` — a tool call started, waits for a person, or ended (tool, status, duration).',
  '`event: approval.requested` — a person is asked (approval_id, kind, subtask_id, expires_at); `event: approval.decided` — approved, rejected, answered or expired.',
  '`event: end` — data: the final task; the stream then closes (sent at once for a task that has already ended).',
  'A `: ping` comment keeps idle streams open.',
].join('\n');

export const taskEventRoutes: RouteDefinition[] = [
  defineRoute({
    method: 'get',
    path: '/networks/:network_id/tasks/:task_id/events',
    summary: "Stream the task's events as Server-Sent Events until it ends (works whichever process runs the task)",
    tag: 'tasks',
    params: TaskParams,
    responses: { 200: { description: STREAM_DESCRIPTION, schema: z.string(), contentType: 'text/event-stream' } },
    errors: [400, 404],
    async handle({ deps, tenantId, params }) {
      const stream = await TaskEventStream.open(deps, tenantId, params.network_id, params.task_id);
      return { status: 200, respond: (res) => stream.pipeTo(res) };
    },
  }),
];
