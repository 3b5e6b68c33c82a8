import type { Task, TaskEvent } from '@mesh/core';
import { SseParser } from '@mesh/core/sse-parser';
import { applyTaskEvent, watchTask, type WatchMode } from '../src/api/task-watch';
import { subtask, task } from './fixtures';

describe('SseParser', () => {
  it('assembles events across chunk boundaries, CRLF and multi-line data, and drops comments', () => {
    const parser = new SseParser();
    expect(parser.push(': ping\n\nevent: snap')).toEqual([]);
    expect(parser.push('shot\ndata: {"a":\r')).toEqual([]);
    expect(parser.push('\ndata: 1}\r\n\r\ndata: plain\n')).toEqual([{ event: 'snapshot', data: '{"a":\n1}' }]);
    expect(parser.push('\nid: 7\nevent: end\ndata:x\n\n')).toEqual([
      { event: 'message', data: 'plain' },
      { event: 'end', data: 'x', id: '7' },
    ]);
  });
});

function sse(events: { event: string; data: unknown }[], options: { close?: boolean } = {}): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(': ping\n\n'));
      for (const e of events) controller.enqueue(encoder.encode(`event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`));
      if (options.close !== false) controller.close();
    },
  });
  return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
}

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/** A fetch that answers the events URL and the task URL from queues, and records what was asked. */
function fakeFetch(routes: { events: () => Response; task: () => Response }) {
  const calls: string[] = [];
  const fetchImpl = (async (input: Parameters<typeof fetch>[0]) => {
    const url = String(input);
    calls.push(url);
    return url.endsWith('/events') ? routes.events() : routes.task();
  }) as typeof fetch;
  return { fetchImpl, calls };
}

describe('watchTask', () => {
  const running = task({ status: 'in_progress', subtasks: [subtask({ key: 'copy', status: 'queued' })] });
  const sub = running.subtasks?.[0];
  const done: Task = { ...running, status: 'completed', completed_at: '2026-01-01T10:00:05.000Z', subtasks: [{ ...sub!, status: 'completed' }] };

  it('follows the event stream: snapshot, events applied at once, re-reads, and the final task from `end`', async () => {
    const event: TaskEvent = { type: 'subtask.status', task_id: running.id, subtask_id: sub!.id, key: 'copy', agent_type: 'copy', status: 'in_progress', at: '2026-01-01T10:00:01.000Z' };
    const { fetchImpl, calls } = fakeFetch({
      events: () => sse([{ event: 'snapshot', data: running }, { event: 'subtask.status', data: event }, { event: 'end', data: done }]),
      task: () => json(running),
    });
    const seen: Task[] = [];
    const modes: WatchMode[] = [];
    const final = await watchTask(running.network_id, running.id, { onTask: (t) => seen.push(t), onMode: (m) => modes.push(m) }, { fetch: fetchImpl, refreshIntervalMs: 0 });
    expect(final?.status).toBe('completed');
    expect(modes).toEqual(['stream']);
    expect(seen[0]?.subtasks?.[0]?.status).toBe('queued');
    expect(seen[1]?.subtasks?.[0]).toMatchObject({ status: 'in_progress', started_at: '2026-01-01T10:00:01.000Z' });
    expect(seen[seen.length - 1]?.status).toBe('completed');
    expect(calls[0]).toBe(`/api/mesh/networks/${running.network_id}/tasks/${running.id}/events`);
  });

  it('polls the task every interval when the API has no event stream', async () => {
    const answers = [json(running), json(running), json(done)];
    const { fetchImpl, calls } = fakeFetch({
      events: () => json({ error: { code: 'not_found', message: 'Route GET …/events' } }, 404),
      task: () => answers.shift() ?? json(done),
    });
    const modes: WatchMode[] = [];
    const final = await watchTask(running.network_id, running.id, { onTask: () => {}, onMode: (m) => modes.push(m) }, { fetch: fetchImpl, pollIntervalMs: 1 });
    expect(final?.status).toBe('completed');
    expect(modes).toEqual(['polling']);
    expect(calls.filter((c) => !c.endsWith('/events'))).toHaveLength(3);
  });

  it('falls back to polling when the stream closes before `end`', async () => {
    const { fetchImpl } = fakeFetch({ events: () => sse([{ event: 'snapshot', data: running }]), task: () => json(done) });
    const modes: WatchMode[] = [];
    const final = await watchTask(running.network_id, running.id, { onTask: () => {}, onMode: (m) => modes.push(m) }, { fetch: fetchImpl, pollIntervalMs: 1 });
    expect(modes).toEqual(['stream', 'polling']);
    expect(final?.status).toBe('completed');
  });

  it('reports read errors and keeps polling', async () => {
    const answers = [json({ error: { code: 'internal_error', message: 'boom' } }, 500), json(done)];
    const { fetchImpl } = fakeFetch({ events: () => json({}, 404), task: () => answers.shift() ?? json(done) });
    const errors: unknown[] = [];
    const final = await watchTask(running.network_id, running.id, { onTask: () => {}, onError: (e) => errors.push(e) }, { fetch: fetchImpl, pollIntervalMs: 1 });
    expect(final?.status).toBe('completed');
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).toContain('boom');
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    const { fetchImpl } = fakeFetch({ events: () => json({}, 404), task: () => json(running) });
    let reads = 0;
    const watching = watchTask(running.network_id, running.id, { onTask: () => ++reads === 2 && controller.abort() }, { fetch: fetchImpl, pollIntervalMs: 1, signal: controller.signal });
    expect((await watching)?.status).toBe('in_progress');
    expect(reads).toBe(2);
  });
});

describe('applyTaskEvent', () => {
  it('moves the task status and iteration forward, and ignores unknown subtasks', () => {
    const t = task({ status: 'queued', iterations: 0 });
    expect(applyTaskEvent(t, { type: 'task.status', task_id: t.id, status: 'in_progress', iteration: 1, at: 'x' })).toMatchObject({ status: 'in_progress', iterations: 1 });
    const unknown: TaskEvent = { type: 'subtask.status', task_id: t.id, subtask_id: 'nope', key: 'k', agent_type: 'a', status: 'completed', at: 'x' };
    expect(applyTaskEvent(t, unknown)).toBe(t);
  });
});
