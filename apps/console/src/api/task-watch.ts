import type { Task, TaskEvent } from '@mesh/core';
import { isTerminalTaskStatus } from '../lib/statuses';
import { apiUrl, errorFromResponse, type Fetch } from './mesh-api';
import { SseParser } from '@mesh/core/sse-parser';

/**
 * Follows a task until it ends. First the SSE stream (`…/tasks/{id}/events`: `snapshot`, then
 * `task.status` / `subtask.status` events, then `end` with the final task); events carry statuses
 * only, so each one also triggers a (throttled) re-read of the task for models, timings and new
 * subtasks. When the stream is not there (an older API, a proxy that breaks SSE) or drops before
 * `end`, it polls `GET …/tasks/{id}` every second instead.
 */

export type WatchMode = 'stream' | 'polling';

export interface TaskWatchHandlers {
  /** Every newer view of the task, the final one last. */
  onTask(task: Task): void;
  onMode?(mode: WatchMode): void;
  /** A read that failed; polling goes on. */
  onError?(err: unknown): void;
}

export interface TaskWatchOptions {
  pollIntervalMs?: number;
  /** Least time between two re-reads triggered by stream events. */
  refreshIntervalMs?: number;
  fetch?: Fetch;
  signal?: AbortSignal;
}

const DEFAULTS = { pollIntervalMs: 1000, refreshIntervalMs: 250 };

/** The task with one event applied, so the view moves before the re-read answers. */
export function applyTaskEvent(task: Task, event: TaskEvent): Task {
  if (event.type === 'task.status') {
    return { ...task, status: event.status, iterations: Math.max(task.iterations, event.iteration) };
  }
  if (!task.subtasks?.some((s) => s.id === event.subtask_id)) return task;
  return {
    ...task,
    subtasks: task.subtasks.map((s) => {
      if (s.id !== event.subtask_id) return s;
      const started_at = event.status === 'in_progress' ? (s.started_at ?? event.at) : s.started_at;
      const ended = event.status === 'completed' || event.status === 'failed' || event.status === 'skipped';
      return { ...s, status: event.status, started_at, finished_at: ended ? (s.finished_at ?? event.at) : s.finished_at };
    }),
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

const isAbort = (err: unknown): boolean => (err as { name?: unknown } | null)?.name === 'AbortError';

export async function watchTask(networkId: string, taskId: string, handlers: TaskWatchHandlers, options: TaskWatchOptions = {}): Promise<Task | null> {
  const fetchImpl: Fetch = options.fetch ?? ((input, init) => fetch(input, init));
  const signal = options.signal;
  const taskPath = `/networks/${encodeURIComponent(networkId)}/tasks/${encodeURIComponent(taskId)}`;
  let latest: Task | null = null;
  const publish = (task: Task) => {
    latest = task;
    handlers.onTask(task);
  };

  const readTask = async (): Promise<Task> => {
    const res = await fetchImpl(apiUrl(taskPath), { headers: { accept: 'application/json' }, credentials: 'same-origin', ...(signal ? { signal } : {}) });
    if (!res.ok) throw await errorFromResponse(res);
    return (await res.json()) as Task;
  };

  try {
    const ended = await streamTask();
    if (ended) return ended;
  } catch (err) {
    if (signal?.aborted || isAbort(err)) return latest;
    if (!(err instanceof StreamUnavailable)) handlers.onError?.(err);
  }
  return poll();

  /** The final task when the stream said `end`, null when it closed early. */
  async function streamTask(): Promise<Task | null> {
    const res = await fetchImpl(apiUrl(`${taskPath}/events`), {
      headers: { accept: 'text/event-stream' },
      credentials: 'same-origin',
      ...(signal ? { signal } : {}),
    });
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
          const task = await readTask();
          if (!finished) publish(task);
        } while (refreshAgain && !finished);
      } catch (err) {
        if (!isAbort(err)) handlers.onError?.(err);
      } finally {
        refreshing = false;
      }
    };
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return null;
        for (const event of parser.push(decoder.decode(value, { stream: true }))) {
          if (event.event === 'snapshot') publish(JSON.parse(event.data) as Task);
          else if (event.event === 'end') {
            finished = true;
            publish(JSON.parse(event.data) as Task);
            return latest;
          } else if (event.event === 'task.status' || event.event === 'subtask.status') {
            const parsed = JSON.parse(event.data) as TaskEvent;
            if (latest) publish(applyTaskEvent(latest, parsed));
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
        const task = await readTask();
        publish(task);
        if (isTerminalTaskStatus(task.status)) return task;
      } catch (err) {
        if (signal?.aborted || isAbort(err)) break;
        handlers.onError?.(err);
      }
      await sleep(options.pollIntervalMs ?? DEFAULTS.pollIntervalMs, signal);
    }
    return latest;
  }
}
