import type { TaskEvent } from '@mesh/core';
import { createTestEnv, type TestEnv } from '@mesh/testing';
import { TaskEvents } from './task-events';

let t: TestEnv;
beforeAll(async () => {
  t = await createTestEnv('task-events');
});
afterAll(async () => {
  await t.cleanup();
});

const status = (taskId: string, iteration: number): TaskEvent => ({ type: 'task.status', task_id: taskId, status: 'in_progress', iteration, at: new Date().toISOString() });

describe('TaskEvents', () => {
  it("sends progress events after the turn's own requests, other quiet events at once, and every event in the order published", async () => {
    const publisher = t.redis.duplicate();
    const events = new TaskEvents(publisher, t.queuePrefix);
    const seen: string[] = [];
    const unsubscribe = await events.subscribe('task-1', (event) => seen.push(event.type === 'task.status' ? `event ${event.iteration}` : event.type));
    const direct = t.redis.duplicate();
    await direct.subscribe(events.channel('task-1'));
    const order: string[] = [];
    direct.on('message', (_channel, message: string) => order.push(message.startsWith('{') ? `event ${(JSON.parse(message) as { iteration: number }).iteration}` : message));
    const request = (what: string) => void publisher.publish(events.channel('task-1'), what);
    try {
      // Progress events wait for the end of the turn: a request the turn makes after them leaves first.
      events.publishQuietly(status('task-1', 1), { afterThisTurn: true });
      events.publishQuietly(status('task-1', 2), { afterThisTurn: true });
      request('request 1');
      await new Promise((r) => setImmediate(r));
      // Any other quiet event goes once the turn's microtasks have run, taking a waiting progress event with it, in order.
      events.publishQuietly(status('task-1', 3), { afterThisTurn: true });
      events.publishQuietly(status('task-1', 4));
      await Promise.resolve();
      request('request 2');
      await new Promise((r) => setImmediate(r));
      // An event published with `publish` goes after the quiet ones still waiting, never before.
      events.publishQuietly(status('task-1', 5), { afterThisTurn: true });
      await events.publish(status('task-1', 6));
      await waitFor(() => order.length === 8);
      expect(order).toEqual(['request 1', 'event 1', 'event 2', 'event 3', 'event 4', 'request 2', 'event 5', 'event 6']);
      await waitFor(() => seen.length === 6);
      expect(seen).toEqual(['event 1', 'event 2', 'event 3', 'event 4', 'event 5', 'event 6']);
    } finally {
      await unsubscribe();
      direct.disconnect();
      publisher.disconnect();
      await events.close();
    }
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
