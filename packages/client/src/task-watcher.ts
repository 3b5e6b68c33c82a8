import type { Task, TaskEvent, ToolCallView } from '@mesh/core';
import { isTerminalSubtaskStatus, isTerminalTaskStatus } from '@mesh/core/statuses';
import { isAbortError } from './errors';
import type { MeshClient } from './mesh-client';
import { SseParser } from './sse-parser';

/**
 * Follows a task until it ends. First the SSE stream (`…/tasks/{id}/events`: `snapshot`, then
 * `task.status` / `subtask.status` / `tool.call`, then `end` with the final task); events carry statuses only,
 * so each one also triggers a throttled re-read of the task (models, timings, new subtasks). When
 * the stream is not there (an older API, a proxy that breaks SSE) or drops before `end`, it polls
 * `GET …/tasks/{id}` every second instead. The stream is read through fetch (not EventSource), so
 * the CLI's Bearer key and the console's same-origin credentials go with it alike.
 */

export type WatchMode = 'stream' | 'polling';

/** One event of the task's stream as it arrived: `snapshot` and `end` carry the task, the others a TaskEvent. */
export type TaskStreamEvent = { event: 'snapshot' | 'end'; receivedAt: string; task: Task } | { event: TaskEvent['type']; receivedAt: string; data: TaskEvent };

export interface TaskWatchHandlers {
  /** Every newer view of the task, the final one last. */
  onTask(task: Task): void;
  /** Every event of the stream, in order (none while polling): the console's event log. */
  onEvent?(event: TaskStreamEvent): void;
  onMode?(mode: WatchMode): void;
  /** A read that failed; polling goes on. */
  onError?(err: unknown): void;
}

export interface TaskWatchOptions {
  pollIntervalMs?: number;
  /** Least time between two re-reads triggered by stream events. */
  refreshIntervalMs?: number;
  signal?: AbortSignal;
}

const DEFAULTS = { pollIntervalMs: 1000, refreshIntervalMs: 250 };

type ToolCallEvent = Extract<TaskEvent, { type: 'tool.call' }>;

/** The event types the stream sends between `snapshot` and `end` (each one a TaskEvent). */
const TASK_EVENT_TYPES: ReadonlySet<string> = new Set<TaskEvent['type']>(['task.status', 'subtask.status', 'tool.call', 'approval.requested', 'approval.decided', 'budget.warning']);

/**
 * A subtask's tool calls with a `tool.call` event applied: the call's status moves, or a call the
 * view has not seen yet is added with what the event says (its arguments and result come with the
 * re-read).
 */
function withToolCall(calls: ToolCallView[], event: ToolCallEvent): ToolCallView[] {
  const ended = isEndedCall(event.status);
  const known = calls.some((c) => c.id === event.tool_call_id);
  if (!known) {
    return [
      ...calls,
      {
        id: event.tool_call_id,
        tool: event.tool,
        arguments: {},
        status: event.status,
        result: null,
        error: event.error ?? null,
        idempotency_key: '',
        started_at: event.at,
        duration_ms: event.duration_ms ?? null,
      },
    ];
  }
  return calls.map((c) =>
    c.id !== event.tool_call_id
      ? c
      : // A call that ended stays ended: a late `running` (events of two attempts crossing) does not reopen it.
        isEndedCall(c.status) && !ended
        ? c
        : { ...c, status: event.status, error: event.error !== undefined ? event.error : c.error, duration_ms: event.duration_ms ?? c.duration_ms },
  );
}

function isEndedCall(status: ToolCallView['status']): boolean {
  return status === 'completed' || status === 'failed' || status === 'rejected';
}

/** The task with one event applied, so the view moves before the re-read answers. */
export function applyTaskEvent(task: Task, event: TaskEvent): Task {
  if (event.type === 'task.status') {
    return { ...task, status: event.status, iterations: Math.max(task.iterations, event.iteration) };
  }
  // Approval events carry no view of their own: the re-read they trigger brings the task's new state.
  if (event.type === 'approval.requested' || event.type === 'approval.decided' || event.type === 'budget.warning') return task;
  if (!task.subtasks?.some((s) => s.id === event.subtask_id)) return task;
  if (event.type === 'tool.call') {
    return { ...task, subtasks: task.subtasks.map((s) => (s.id !== event.subtask_id ? s : { ...s, tool_calls: withToolCall(s.tool_calls ?? [], event) })) };
  }
  const ended = isTerminalSubtaskStatus(event.status);
  return {
    ...task,
    subtasks: task.subtasks.map((s) =>
      s.id !== event.subtask_id
        ? s
        : {
            ...s,
            status: event.status,
            started_at: event.status === 'in_progress' ? (s.started_at ?? event.at) : s.started_at,
            finished_at: ended ? (s.finished_at ?? event.at) : s.finished_at,
          },
    ),
  };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

class StreamUnavailable extends Error {
  override name = 'StreamUnavailable';
}

/** The last task seen: terminal when it ended, otherwise the state when `signal` aborted. */
export async function watchTask(
  client: MeshClient,
  networkId: string,
  taskId: string,
  handlers: TaskWatchHandlers,
  options: TaskWatchOptions = {},
): Promise<Task | null> {
  const signal = options.signal;
  let latest: Task | null = null;
  const publish = (task: Task) => {
    latest = task;
    handlers.onTask(task);
  };

  try {
    const ended = await streamTask();
    if (ended) return ended;
  } catch (err) {
    if (signal?.aborted || isAbortError(err)) return latest;
    if (!(err instanceof StreamUnavailable)) handlers.onError?.(err);
  }
  return poll();

  /** The final task when the stream said `end`; null when it closed early. */
  async function streamTask(): Promise<Task | null> {
    const res = await client.openTaskEvents(networkId, taskId, signal);
    if (!res.ok || !(res.headers.get('content-type') ?? '').includes('text/event-stream') || !res.body) {
      await res.body?.cancel().catch(() => {});
      throw new StreamUnavailable(`no event stream (HTTP ${res.status})`);
    }
    handlers.onMode?.('stream');
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    const parser = new SseParser();
    let refreshing = false;
    let refreshAgain = false;
    let finished = false;
    const refresh = async () => {
      if (refreshing) {
        refreshAgain = true;
        return;
      }
      refreshing = true;
      try {
        do {
          refreshAgain = false;
          await sleep(options.refreshIntervalMs ?? DEFAULTS.refreshIntervalMs, signal);
          if (finished || signal?.aborted) return;
          const task = await client.getTask(networkId, taskId, signal);
          if (!finished) publish(task);
        } while (refreshAgain && !finished);
      } catch (err) {
        if (!isAbortError(err)) handlers.onError?.(err);
      } finally {
        refreshing = false;
      }
    };
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return null;
        for (const event of parser.push(decoder.decode(value, { stream: true }))) {
          const receivedAt = new Date().toISOString();
          if (event.event === 'snapshot' || event.event === 'end') {
            const task = JSON.parse(event.data) as Task;
            handlers.onEvent?.({ event: event.event, receivedAt, task });
            if (event.event === 'end') finished = true;
            publish(task);
            if (event.event === 'end') return latest;
          } else if (TASK_EVENT_TYPES.has(event.event)) {
            const parsed = JSON.parse(event.data) as TaskEvent;
            handlers.onEvent?.({ event: parsed.type, receivedAt, data: parsed });
            if (latest && parsed.task_id === latest.id) publish(applyTaskEvent(latest, parsed));
            void refresh();
          }
        }
      }
    } finally {
      finished = true;
      await reader.cancel().catch(() => {});
    }
  }

  async function poll(): Promise<Task | null> {
    handlers.onMode?.('polling');
    while (!signal?.aborted) {
      try {
        const task = await client.getTask(networkId, taskId, signal);
        publish(task);
        if (isTerminalTaskStatus(task.status)) return task;
      } catch (err) {
        if (signal?.aborted || isAbortError(err)) break;
        handlers.onError?.(err);
      }
      await sleep(options.pollIntervalMs ?? DEFAULTS.pollIntervalMs, signal);
    }
    return latest;
  }
}
