import { AsyncLocalStorage } from 'node:async_hooks';
import { insertByPriority } from '@mesh/core';

/**
 * The priority of the work running now, lower first as in BullMQ. A job process runs each job
 * inside its job's priority (which carries the tenant's share, see @mesh/queue's TenantLoad), so
 * that the queues inside the process serve it in the same order as the queues in Redis: a job of
 * a tenant with little in flight does not wait in the Postgres pool or a statement batcher behind
 * the hundreds of requests of a tenant working off a burst. Work outside any job (the API's
 * requests, the sweeper, heartbeats) has priority 0 and goes first.
 */
const current = new AsyncLocalStorage<number>();

export function withWorkPriority<T>(priority: number, fn: () => T): T {
  return current.run(priority, fn);
}

export function workPriority(): number {
  return current.getStore() ?? 0;
}

/**
 * Requests whose priorities differ by at most this ride in one statement of a batcher. Job
 * processes set a job's tenant share as its work priority (0, 1, 2, … on a log2 scale of the
 * tenant's load), so neighbouring shares share a statement and a burst's do not mix with a quiet
 * tenant's.
 */
export const RIDE_TOGETHER = 1;

/** Raised when a request waited longer than the gate's `waitMs` for a permit. */
export class GateTimeoutError extends Error {
  constructor(waitMs: number) {
    // Worded as pg-pool's own, so isTransientPgError treats it the same way.
    super(`timeout exceeded when trying to connect (waited ${waitMs} ms for a pooled connection)`);
    this.name = 'GateTimeoutError';
  }
}

interface Waiter {
  priority: number;
  resolve(): void;
  timer: NodeJS.Timeout | undefined;
}

/**
 * At most `permits` callers at once; the others wait in priority order (see workPriority). Put in
 * front of a connection pool of the same size, the pool's own first-in-first-out queue stays empty
 * and the gate decides who gets the next free connection.
 */
export class PriorityGate {
  private free: number;
  private readonly waiters: Waiter[] = [];

  constructor(
    readonly permits: number,
    private readonly waitMs: number,
  ) {
    if (!Number.isInteger(permits) || permits < 1) throw new Error(`permits must be a positive integer, got ${permits}`);
    this.free = permits;
  }

  /** Callers waiting for a permit. */
  get waiting(): number {
    return this.waiters.length;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  acquire(): Promise<void> {
    if (this.free > 0 && this.waiters.length === 0) {
      this.free -= 1;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { priority: workPriority(), resolve, timer: undefined };
      if (this.waitMs > 0) {
        waiter.timer = setTimeout(() => {
          const at = this.waiters.indexOf(waiter);
          if (at >= 0) this.waiters.splice(at, 1);
          reject(new GateTimeoutError(this.waitMs));
        }, this.waitMs);
      }
      insertByPriority(this.waiters, waiter);
    });
  }

  release(): void {
    const next = this.waiters.shift();
    if (!next) {
      this.free = Math.min(this.permits, this.free + 1);
      return;
    }
    if (next.timer) clearTimeout(next.timer);
    next.resolve();
  }
}
