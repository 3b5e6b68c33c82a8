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
  it("sends quiet events after the turn's own requests, and before any event published after them", async () => {
    const publisher = t.redis.duplicate();
    const events = new TaskEvents(publisher, t.queuePrefix);
    const seen: string[] = [];
    const unsubscribe = await events.subscribe('task-1', (event) => seen.push(event.type === 'task.status' ? `event ${event.iteration}` : event.type));
    const direct = t.redis.duplicate();
    await direct.subscribe(events.channel('task-1'));
    const order: string[] = [];
    direct.on('message', (_channel, message: string) => order.push(message.startsWith('{') ? `event ${(JSON.parse(message) as { iteration: number }).iteration}` : message));
    try {
      events.publishQuietly(status('task-1', 1));
      events.publishQuietly(status('task-1', 2));
      // A request the same turn makes on the same connection (say, the work the events report) leaves first.
      void publisher.publish(events.channel('task-1'), 'the turn’s request');
      await new Promise((r) => setImmediate(r));
      // An event published with `publish` goes after the quiet ones still waiting, never before.
      events.publishQuietly(status('task-1', 3));
      await events.publish(status('task-1', 4));
      await waitFor(() => order.length === 5);
      expect(order).toEqual(['the turn’s request', 'event 1', 'event 2', 'event 3', 'event 4']);
      await waitFor(() => seen.length === 4);
      expect(seen).toEqual(['event 1', 'event 2', 'event 3', 'event 4']);
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
