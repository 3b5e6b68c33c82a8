import { sampleValue } from '@mesh/observability';
import { KEY_A, KEY_B, SEED, startApiHarness, type ApiHarness } from './api-harness';

let h: ApiHarness;
let networkId: string;
beforeAll(async () => {
  h = await startApiHarness('api-sse', { MESH_SSE_PING_MS: '150' });
  networkId = (await h.call('POST', '/networks', { json: SEED.network })).body.id;
});
afterAll(async () => {
  await h.close();
});

interface Frame {
  id?: number;
  event?: string;
  data?: any;
  comment?: string;
  retry?: number;
}

/** An open event stream: frames as they arrive, and a way to wait for one. */
async function openStream(taskId: string, key = KEY_A) {
  const controller = new AbortController();
  const res = await fetch(`${h.url}/api/mesh/networks/${networkId}/tasks/${taskId}/events`, { headers: { authorization: `Bearer ${key}` }, signal: controller.signal });
  const frames: Frame[] = [];
  const waiters: { test: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
  let ended!: () => void;
  const closed = new Promise<void>((resolve) => (ended = resolve));
  const pump = (async () => {
    if (!res.ok || !res.body) return ended();
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const frame: Frame = {};
          for (const line of buffer.slice(0, cut).split('\n')) {
            if (line.startsWith(':')) frame.comment = line;
            else if (line.startsWith('id: ')) frame.id = Number(line.slice(4));
            else if (line.startsWith('event: ')) frame.event = line.slice(7);
            else if (line.startsWith('data: ')) frame.data = JSON.parse(line.slice(6));
            else if (line.startsWith('retry: ')) frame.retry = Number(line.slice(7));
          }
          buffer = buffer.slice(cut + 2);
          frames.push(frame);
          for (const w of [...waiters]) if (w.test(frame)) waiters.splice(waiters.indexOf(w), 1) && w.resolve(frame);
        }
      }
    } catch {
      // aborted by the test
    }
    ended();
  })();
  return {
    res,
    frames,
    events: () => frames.filter((f) => f.event),
    closed,
    next(test: (f: Frame) => boolean): Promise<Frame> {
      const found = frames.find(test);
      if (found) return Promise.resolve(found);
      return new Promise((resolve) => waiters.push({ test, resolve }));
    },
    abort: async () => {
      controller.abort();
      await pump;
    },
  };
}

async function subscribers(taskId: string): Promise<number> {
  const [, count] = (await h.t.redis.pubsub('NUMSUB', h.deps.events.channel(taskId))) as [string, number];
  return Number(count);
}

async function eventually(check: () => Promise<boolean>): Promise<void> {
  const until = Date.now() + 5_000;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const submit = async () => (await h.call('POST', `/networks/${networkId}/tasks`, { json: SEED.task })).body;

describe('GET .../tasks/{task_id}/events', () => {
  it('answers 401, 400 and 404 (another tenant’s task too) in the API error shape', async () => {
    const task = await submit();
    expect((await h.call('GET', `/networks/${networkId}/tasks/${task.id}/events`, { key: null })).status).toBe(401);
    expect((await h.call('GET', `/networks/${networkId}/tasks/not-a-uuid/events`)).status).toBe(400);
    const foreign = await h.call('GET', `/networks/${networkId}/tasks/${task.id}/events`, { key: KEY_B });
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.code).toBe('not_found');
    expect((await h.call('GET', `/networks/${networkId}/tasks/${crypto.randomUUID()}/events`)).status).toBe(404);
    expect(await subscribers(task.id)).toBe(0);
  });

  it('sends the snapshot, then events published by any process in order, pings, and `end` with the final task when it ends', async () => {
    const task = await submit();
    const stream = await openStream(task.id);
    expect(stream.res.status).toBe(200);
    expect(stream.res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(stream.res.headers.get('cache-control')).toBe('no-cache, no-transform');
    const snapshot = await stream.next((f) => f.event === 'snapshot');
    expect(snapshot).toMatchObject({ id: 1, data: { id: task.id, status: 'pending', subtasks: [] } });
    expect(await subscribers(task.id)).toBe(1);

    // What a coordinator and a worker elsewhere publish reaches this stream through Redis.
    const at = new Date().toISOString();
    const published = [
      { type: 'task.status' as const, task_id: task.id, status: 'in_progress' as const, iteration: 1, at },
      { type: 'subtask.status' as const, task_id: task.id, subtask_id: crypto.randomUUID(), key: 'copy', agent_type: 'content', status: 'in_progress' as const, at },
      { type: 'subtask.status' as const, task_id: task.id, subtask_id: crypto.randomUUID(), key: 'copy', agent_type: 'content', status: 'completed' as const, at },
    ];
    for (const event of published) await h.deps.events.publish(event);
    await stream.next((f) => f.event === 'subtask.status' && f.data.status === 'completed');
    await stream.next((f) => f.comment === ': ping');

    expect((await h.call('POST', `/networks/${networkId}/tasks/${task.id}/cancel`)).status).toBe(200);
    await stream.closed;
    const events = stream.events();
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    expect(events.map((e) => e.event)).toEqual(['snapshot', 'task.status', 'subtask.status', 'subtask.status', 'task.status', 'end']);
    expect(events.slice(1, 4).map((e) => e.data)).toEqual(published);
    expect(events[4]?.data).toMatchObject({ type: 'task.status', status: 'cancelled' });
    expect(events[5]?.data).toMatchObject({ id: task.id, status: 'cancelled', error: 'cancelled by client' });
    await eventually(async () => (await subscribers(task.id)) === 0);
  });

  it('ends at once for a task that has already ended', async () => {
    const task = await submit();
    await h.call('POST', `/networks/${networkId}/tasks/${task.id}/cancel`);
    const stream = await openStream(task.id);
    await stream.closed;
    expect(stream.events().map((e) => [e.id, e.event, e.data.status])).toEqual([
      [1, 'snapshot', 'cancelled'],
      [2, 'end', 'cancelled'],
    ]);
    await eventually(async () => (await subscribers(task.id)) === 0);
  });

  it('unsubscribes when the client goes away, and ends open streams when the API drains', async () => {
    const task = await submit();
    const gone = await openStream(task.id);
    await gone.next((f) => f.event === 'snapshot');
    const metric = async () => sampleValue(await h.deps.metrics.render().then((m) => m.body), 'mesh_sse_connections');
    expect(await metric()).toBe(1);
    await gone.abort();
    await eventually(async () => (await subscribers(task.id)) === 0 && (await metric()) === 0);

    const staying = await openStream(task.id);
    await staying.next((f) => f.event === 'snapshot');
    h.deps.lifecycle.beginDrain();
    await staying.closed;
    expect(staying.frames.some((f) => f.retry === 1000)).toBe(true);
    expect(staying.events().map((e) => e.event)).toEqual(['snapshot']);
    await eventually(async () => (await subscribers(task.id)) === 0);
  });
});
