import type { Task, TaskEvent } from '@mesh/core';
import { MeshClient } from './mesh-client';
import { applyTaskEvent, watchTask, type TaskStreamEvent, type WatchMode } from './task-watcher';

/** Only the fields the watcher reads. */
function task(overrides: Partial<Task> = {}): Task {
  return { id: 't1', task_id: 't1', network_id: 'n1', status: 'in_progress', iterations: 1, max_iterations: 10, subtasks: [], ...overrides } as unknown as Task;
}
const withSub = (status: string): Task => task({ subtasks: [{ id: 's1', key: 'copy', agent_type: 'content', status, started_at: null, finished_at: null }] as unknown as Task['subtasks'] });

function sse(events: [string, unknown][]): Response {
  const text = `: ping\n\n${events.map(([event, data]) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`).join(': ping\n\n')}`;
  const bytes = new TextEncoder().encode(text);
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      // In two pieces, split inside the first event.
      controller.enqueue(bytes.slice(0, 15));
      controller.enqueue(bytes.slice(15));
      controller.close();
    },
  });
  return new Response(body, { headers: { 'content-type': 'text/event-stream; charset=utf-8' } });
}

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/** A client whose fetch answers the events URL and the task URL, and records what was asked. */
function fakeClient(routes: { events: () => Response; task: () => Response }, options: { baseUrl?: string; apiKey?: string } = {}) {
  const calls: string[] = [];
  const headers: Headers[] = [];
  const fetchImpl = (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    const url = String(input);
    calls.push(url);
    headers.push(new Headers(init?.headers));
    return url.endsWith('/events') ? routes.events() : routes.task();
  }) as typeof fetch;
  return { client: new MeshClient({ ...options, fetch: fetchImpl }), calls, headers };
}

describe('watchTask', () => {
  const running = withSub('queued');
  const done: Task = { ...withSub('completed'), status: 'completed' };

  it('follows the event stream: snapshot, events applied at once, re-reads, and the final task from `end`', async () => {
    const event: TaskEvent = { type: 'subtask.status', task_id: running.id, subtask_id: 's1', key: 'copy', agent_type: 'content', status: 'in_progress', at: '2026-01-01T10:00:01.000Z' };
    const { client, calls } = fakeClient({ events: () => sse([['snapshot', running], ['subtask.status', event], ['end', done]]), task: () => json(running) });
    const seen: Task[] = [];
    const modes: WatchMode[] = [];
    const final = await watchTask(client, running.network_id, running.id, { onTask: (t) => seen.push(t), onMode: (m) => modes.push(m) }, { refreshIntervalMs: 0 });
    expect(final?.status).toBe('completed');
    expect(modes).toEqual(['stream']);
    expect(seen[0]?.subtasks?.[0]?.status).toBe('queued');
    expect(seen[1]?.subtasks?.[0]).toMatchObject({ status: 'in_progress', started_at: '2026-01-01T10:00:01.000Z' });
    expect(seen[seen.length - 1]?.status).toBe('completed');
    // The console's client: same origin, no key.
    expect(calls[0]).toBe(`/api/mesh/networks/${running.network_id}/tasks/${running.id}/events`);
  });

  it('hands every stream event to onEvent in order, the snapshot and end with their task; none while polling', async () => {
    const event: TaskEvent = { type: 'subtask.status', task_id: running.id, subtask_id: 's1', key: 'copy', agent_type: 'content', status: 'in_progress', at: '2026-01-01T10:00:01.000Z' };
    const { client } = fakeClient({ events: () => sse([['snapshot', running], ['subtask.status', event], ['ignored.kind', {}], ['end', done]]), task: () => json(running) });
    const events: TaskStreamEvent[] = [];
    await watchTask(client, running.network_id, running.id, { onTask: () => {}, onEvent: (e) => events.push(e) }, { refreshIntervalMs: 0 });
    expect(events.map((e) => e.event)).toEqual(['snapshot', 'subtask.status', 'end']);
    expect(events[0]).toMatchObject({ event: 'snapshot', task: { status: 'in_progress' } });
    expect(events[1]).toMatchObject({ event: 'subtask.status', data: event });
    expect(events[2]).toMatchObject({ event: 'end', task: { status: 'completed' } });
    expect(events.every((e) => !Number.isNaN(Date.parse(e.receivedAt)))).toBe(true);

    const polled: TaskStreamEvent[] = [];
    const { client: old } = fakeClient({ events: () => json({ error: { code: 'not_found', message: 'no' } }, 404), task: () => json(done) });
    await watchTask(old, done.network_id, done.id, { onTask: () => {}, onEvent: (e) => polled.push(e) }, { pollIntervalMs: 1 });
    expect(polled).toEqual([]);
  });

  it('sends the API key as a Bearer token, on the stream too (the CLI)', async () => {
    const event = { type: 'subtask.status', task_id: 't1', subtask_id: 's1', key: 'copy', agent_type: 'content', status: 'in_progress', at: '2026-01-01T00:00:01Z' };
    const { client, headers } = fakeClient(
      { events: () => sse([['snapshot', withSub('queued')], ['subtask.status', event], ['end', done]]), task: () => json(withSub('in_progress')) },
      { baseUrl: 'http://api.test/', apiKey: 'secret-key' },
    );
    const seen: string[] = [];
    const modes: WatchMode[] = [];
    const final = await watchTask(client, 'n1', 't1', { onTask: (t) => seen.push(`${t.status}/${t.subtasks?.[0]?.status}`), onMode: (m) => modes.push(m) }, { refreshIntervalMs: 0 });
    expect(final?.status).toBe('completed');
    expect(modes).toEqual(['stream']);
    expect(seen[0]).toBe('in_progress/queued');
    expect(seen[1]).toBe('in_progress/in_progress');
    expect(seen[seen.length - 1]).toBe('completed/completed');
    expect(headers[0]?.get('authorization')).toBe('Bearer secret-key');
    expect(headers[0]?.get('accept')).toBe('text/event-stream');
  });

  it('polls the task every interval when the API has no event stream', async () => {
    const answers = [json(running), json(running), json(done)];
    const { client, calls } = fakeClient({ events: () => json({ error: { code: 'not_found', message: 'Route GET …/events' } }, 404), task: () => answers.shift() ?? json(done) });
    const modes: WatchMode[] = [];
    const final = await watchTask(client, running.network_id, running.id, { onTask: () => {}, onMode: (m) => modes.push(m) }, { pollIntervalMs: 1 });
    expect(final?.status).toBe('completed');
    expect(modes).toEqual(['polling']);
    expect(calls.filter((c) => !c.endsWith('/events'))).toHaveLength(3);
  });

  it('falls back to polling when the stream closes before `end`', async () => {
    const { client } = fakeClient({ events: () => sse([['snapshot', running]]), task: () => json(done) });
    const modes: WatchMode[] = [];
    const final = await watchTask(client, running.network_id, running.id, { onTask: () => {}, onMode: (m) => modes.push(m) }, { pollIntervalMs: 1 });
    expect(modes).toEqual(['stream', 'polling']);
    expect(final?.status).toBe('completed');
  });

  it('reports read errors and keeps polling', async () => {
    const answers = [json({ error: { code: 'internal_error', message: 'boom' } }, 500), json(done)];
    const { client } = fakeClient({ events: () => json({}, 404), task: () => answers.shift() ?? json(done) });
    const errors: unknown[] = [];
    const final = await watchTask(client, running.network_id, running.id, { onTask: () => {}, onError: (e) => errors.push(e) }, { pollIntervalMs: 1 });
    expect(final?.status).toBe('completed');
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).toContain('boom');
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    const { client } = fakeClient({ events: () => json({}, 404), task: () => json(running) });
    let reads = 0;
    const watching = watchTask(client, running.network_id, running.id, { onTask: () => ++reads === 2 && controller.abort() }, { pollIntervalMs: 1, signal: controller.signal });
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

describe('applyTaskEvent with tool.call events', () => {
  const callEvent = (extra: Partial<Extract<TaskEvent, { type: 'tool.call' }>>): TaskEvent => ({
    type: 'tool.call',
    task_id: 't1',
    subtask_id: 's1',
    tool_call_id: 'c1',
    tool: 'analytics.getReport',
    status: 'running',
    at: '2026-01-01T10:00:01.000Z',
    ...extra,
  });

  it('adds a call the view has not seen, then moves its status, duration and error', () => {
    const started = applyTaskEvent(withSub('in_progress'), callEvent({}));
    expect(started.subtasks?.[0]?.tool_calls).toEqual([
      { id: 'c1', tool: 'analytics.getReport', arguments: {}, status: 'running', result: null, error: null, idempotency_key: '', started_at: '2026-01-01T10:00:01.000Z', duration_ms: null },
    ]);
    const failed = applyTaskEvent(started, callEvent({ status: 'failed', duration_ms: 40, error: 'HTTP 503', at: '2026-01-01T10:00:02.000Z' }));
    expect(failed.subtasks?.[0]?.tool_calls).toEqual([expect.objectContaining({ id: 'c1', status: 'failed', duration_ms: 40, error: 'HTTP 503', started_at: '2026-01-01T10:00:01.000Z' })]);
    // The subtask itself is untouched; an ended call is not reopened by a late `running`.
    expect(failed.subtasks?.[0]?.status).toBe('in_progress');
    expect(applyTaskEvent(failed, callEvent({ status: 'running' })).subtasks?.[0]?.tool_calls[0]?.status).toBe('failed');
    const second = applyTaskEvent(failed, callEvent({ tool_call_id: 'c2', tool: 'send_email', status: 'completed', replayed: true, duration_ms: 5 }));
    expect(second.subtasks?.[0]?.tool_calls.map((c) => [c.id, c.status])).toEqual([
      ['c1', 'failed'],
      ['c2', 'completed'],
    ]);
  });

  it("keeps a known call's result and ignores calls of unknown subtasks", () => {
    const known = task({
      subtasks: [
        {
          id: 's1', key: 'a', agent_type: 'analytics', status: 'in_progress',
          tool_calls: [{ id: 'c1', tool: 'analytics.getReport', arguments: { q: 1 }, status: 'running', result: null, error: null, idempotency_key: 'k', started_at: 'x', duration_ms: null }],
        },
      ] as unknown as Task['subtasks'],
    });
    const done = applyTaskEvent(known, callEvent({ status: 'completed', duration_ms: 12 }));
    expect(done.subtasks?.[0]?.tool_calls[0]).toMatchObject({ arguments: { q: 1 }, idempotency_key: 'k', status: 'completed', duration_ms: 12, error: null });
    const elsewhere = callEvent({ subtask_id: 'nope' });
    expect(applyTaskEvent(known, elsewhere)).toBe(known);
  });

  it('the watcher applies tool.call events from the stream at once', async () => {
    const running = withSub('in_progress');
    const done: Task = { ...withSub('completed'), status: 'completed' };
    const { client } = fakeClient({ events: () => sse([['snapshot', running], ['tool.call', callEvent({ status: 'completed', duration_ms: 30 })], ['end', done]]), task: () => json(running) });
    const seen: Task[] = [];
    await watchTask(client, 'n1', 't1', { onTask: (t) => seen.push(t) }, { refreshIntervalMs: 0 });
    expect(seen[1]?.subtasks?.[0]?.tool_calls).toEqual([expect.objectContaining({ id: 'c1', status: 'completed', duration_ms: 30 })]);
  });
});
