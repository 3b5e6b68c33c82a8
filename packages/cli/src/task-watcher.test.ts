import type { Task } from '@mesh/core';
import { MeshClient } from './mesh-client';
import { watchTask, type WatchMode } from './task-watcher';

const base = { id: 't1', task_id: 't1', network_id: 'n1', status: 'in_progress', iterations: 1, max_iterations: 10 } as unknown as Task;
const withSub = (status: string): Task => ({ ...base, subtasks: [{ id: 's1', key: 'copy', agent_type: 'content', status, started_at: null, finished_at: null }] }) as unknown as Task;

function sse(events: [string, unknown][], close = true): Response {
  const text = events.map(([event, data]) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`).join(': ping\n\n');
  const bytes = new TextEncoder().encode(text);
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      // In two pieces, split inside an event.
      controller.enqueue(bytes.slice(0, 7));
      controller.enqueue(bytes.slice(7));
      if (close) controller.close();
    },
  });
  return new Response(body, { headers: { 'content-type': 'text/event-stream; charset=utf-8' } });
}

function client(answer: (url: string) => Response): { client: MeshClient; headers: Headers[] } {
  const headers: Headers[] = [];
  const fetchImpl = (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    headers.push(new Headers(init?.headers));
    return answer(String(input));
  }) as typeof fetch;
  return { client: new MeshClient({ baseUrl: 'http://api.test/', apiKey: 'secret-key', fetch: fetchImpl }), headers };
}

describe('watchTask (CLI)', () => {
  it('follows the event stream to `end`, sending the key as a Bearer token', async () => {
    const done = { ...withSub('completed'), status: 'completed' } as Task;
    const event = { type: 'subtask.status', task_id: 't1', subtask_id: 's1', key: 'copy', agent_type: 'content', status: 'in_progress', at: '2026-01-01T00:00:01Z' };
    const { client: c, headers } = client((url) =>
      url.endsWith('/events') ? sse([['snapshot', withSub('queued')], ['subtask.status', event], ['end', done]]) : Response.json(withSub('in_progress')),
    );
    const seen: string[] = [];
    const modes: WatchMode[] = [];
    const final = await watchTask(c, 'n1', 't1', { onTask: (t) => seen.push(`${t.status}/${t.subtasks?.[0]?.status}`), onMode: (m) => modes.push(m) }, { refreshIntervalMs: 0 });
    expect(final?.status).toBe('completed');
    expect(modes).toEqual(['stream']);
    expect(seen[0]).toBe('in_progress/queued');
    expect(seen[1]).toBe('in_progress/in_progress');
    expect(seen[seen.length - 1]).toBe('completed/completed');
    expect(headers[0]?.get('authorization')).toBe('Bearer secret-key');
    expect(headers[0]?.get('accept')).toBe('text/event-stream');
  });

  it('polls when there is no stream, until the task ends', async () => {
    const answers = [withSub('queued'), { ...withSub('completed'), status: 'completed' } as Task];
    const { client: c } = client((url) => (url.endsWith('/events') ? Response.json({ error: { code: 'not_found', message: 'no' } }, { status: 404 }) : Response.json(answers.shift())));
    const modes: WatchMode[] = [];
    const final = await watchTask(c, 'n1', 't1', { onTask: () => {}, onMode: (m) => modes.push(m) }, { pollIntervalMs: 1 });
    expect(modes).toEqual(['polling']);
    expect(final?.status).toBe('completed');
  });
});
