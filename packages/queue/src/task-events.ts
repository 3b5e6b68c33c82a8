import { afterThisTurn, isTerminalTaskStatus, TaskEvent } from '@mesh/core';
import type { Redis } from 'ioredis';
import { waitingDuplicate } from './redis-connection';

export type TaskEventListener = (event: TaskEvent) => void;

/**
 * Task events over Redis pub/sub, so whichever process did the work, any API process can
 * stream them (SSE) or wake a `?wait` request. One subscriber connection per process,
 * multiplexed over every task being watched.
 */
export class TaskEvents {
  private subscriber: Redis | undefined;
  private readonly listeners = new Map<string, Set<TaskEventListener>>();
  private readonly stopListeners = new Set<(taskId: string, reason: string) => void>();
  private pendingPublishes: [channel: string, message: string][] = [];
  private flushScheduled: 'none' | 'microtask' | 'turn' = 'none';

  constructor(
    private readonly publisher: Redis,
    private readonly prefix: string,
  ) {}

  channel(taskId: string): string {
    return `${this.prefix}:events:task:${taskId}`;
  }

  /** Publishes after the quiet events not yet sent: a process's events arrive in the order it published them. */
  async publish(event: TaskEvent): Promise<void> {
    this.flushPublishes();
    await this.publisher.publish(this.channel(event.task_id), JSON.stringify(event));
  }

  /**
   * Publishes and never throws: events are a convenience, Postgres is the record. Events
   * published in the same turn of the event loop leave in one pipeline (one write, one round
   * trip), in order, when the turn's microtasks have run — or, when every one of them says
   * `afterThisTurn` (a progress event, such as a tool call starting), once the turn's own
   * requests have left, so that it never holds up the work it reports. Either way before any
   * event published after them.
   */
  publishQuietly(event: TaskEvent, options: { afterThisTurn?: boolean } = {}): void {
    this.pendingPublishes.push([this.channel(event.task_id), JSON.stringify(event)]);
    if (options.afterThisTurn) {
      if (this.flushScheduled === 'none') {
        this.flushScheduled = 'turn';
        void afterThisTurn().then(() => this.flushPublishes());
      }
    } else if (this.flushScheduled !== 'microtask') {
      // A turn-end flush already scheduled is overtaken: everything pending goes now, in order.
      this.flushScheduled = 'microtask';
      queueMicrotask(() => this.flushPublishes());
    }
  }

  private flushPublishes(): void {
    this.flushScheduled = 'none';
    const batch = this.pendingPublishes;
    if (batch.length === 0) return;
    this.pendingPublishes = [];
    if (batch.length === 1) {
      this.publisher.publish(batch[0]![0], batch[0]![1]).catch(() => {});
      return;
    }
    const pipeline = this.publisher.pipeline();
    for (const [channel, message] of batch) pipeline.publish(channel, message);
    pipeline.exec().catch(() => {});
  }

  /**
   * Tells every process that a task has stopped (cancelled, timed out, deleted), so those running
   * its model calls abort them. One low-volume channel that every worker listens to.
   */
  publishStop(taskId: string, reason: string): void {
    this.flushPublishes();
    this.publisher.publish(this.controlChannel, JSON.stringify({ type: 'task.stopped', task_id: taskId, reason })).catch(() => {});
  }

  async onStop(listener: (taskId: string, reason: string) => void): Promise<void> {
    this.ensureSubscriber();
    this.stopListeners.add(listener);
    if (this.stopListeners.size === 1) await this.ensureSubscriber().subscribe(this.controlChannel);
  }

  private get controlChannel(): string {
    return `${this.prefix}:control`;
  }

  async subscribe(taskId: string, listener: TaskEventListener): Promise<() => Promise<void>> {
    const subscriber = this.ensureSubscriber();
    const channel = this.channel(taskId);
    let set = this.listeners.get(channel);
    if (!set) {
      set = new Set();
      this.listeners.set(channel, set);
      await subscriber.subscribe(channel);
    }
    set.add(listener);
    return async () => {
      const current = this.listeners.get(channel);
      if (!current) return;
      current.delete(listener);
      if (current.size === 0) {
        this.listeners.delete(channel);
        await subscriber.unsubscribe(channel).catch(() => {});
      }
    };
  }

  /**
   * Resolves when the task reaches a terminal status or `timeoutMs` passes. `isTerminal` reads
   * the current state once after subscribing, so an event published just before is not missed.
   */
  async waitForTerminal(taskId: string, timeoutMs: number, isTerminal: () => Promise<boolean>): Promise<void> {
    let resolveWait!: () => void;
    const done = new Promise<void>((resolve) => (resolveWait = resolve));
    const unsubscribe = await this.subscribe(taskId, (event) => {
      if (event.type === 'task.status' && isTerminalTaskStatus(event.status)) resolveWait();
    });
    const timer = setTimeout(resolveWait, timeoutMs);
    try {
      if (!(await isTerminal())) await done;
    } finally {
      clearTimeout(timer);
      await unsubscribe();
    }
  }

  private ensureSubscriber(): Redis {
    if (!this.subscriber) {
      this.subscriber = waitingDuplicate(this.publisher);
      this.subscriber.on('error', () => {});
      this.subscriber.on('message', (channel: string, message: string) => {
        if (channel === this.controlChannel) {
          try {
            const { task_id, reason } = JSON.parse(message) as { task_id: string; reason: string };
            for (const listener of this.stopListeners) listener(task_id, reason);
          } catch {
            // not ours
          }
          return;
        }
        const set = this.listeners.get(channel);
        if (!set) return;
        let parsed: TaskEvent;
        try {
          parsed = TaskEvent.parse(JSON.parse(message));
        } catch {
          return;
        }
        for (const listener of set) listener(parsed);
      });
    }
    return this.subscriber;
  }

  async close(): Promise<void> {
    this.listeners.clear();
    this.stopListeners.clear();
    this.subscriber?.disconnect();
    this.subscriber = undefined;
  }
}

