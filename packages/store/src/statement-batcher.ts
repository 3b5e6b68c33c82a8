import { insertByPriority } from '@mesh/core';
import { isTransientPgError } from './pg-errors';
import { RIDE_TOGETHER, workPriority } from './work-priority';

export interface StatementBatcherOptions {
  /** Most requests one statement carries. Default 200. */
  maxBatch?: number;
  /** Statements of this batcher running at once; requests arriving meanwhile wait for the next. Default 2. */
  maxInFlight?: number;
  /**
   * Spread waiting requests over the free slots instead of filling one statement first. For
   * requests that each cost Postgres real work (a full-text retrieval): at light load a wave's
   * four retrievals then run as two statements side by side, not one statement twice as long;
   * under load the slots are busy and batches grow all the same. Default false.
   */
  spread?: boolean;
  /**
   * Whether the items of a batch that failed as a whole are worth retrying one by one. Default:
   * unless Postgres is unreachable or restarting (isTransientPgError) — then every item would
   * fail the same way, one after the other, and their jobs are better retried by the queue.
   */
  retryAlone?: (err: unknown) => boolean;
}

/**
 * A result that `run` returns for an item that failed on its own while the rest of its batch
 * succeeded (when the batch is not all-or-nothing): that caller's promise rejects with `error`.
 */
export class BatchItemFailure {
  constructor(readonly error: unknown) {}
}

interface Pending<I, O> {
  item: I;
  /** The submitter's work priority: waiting requests leave in this order (work-priority.ts). */
  priority: number;
  resolve(value: O): void;
  reject(err: unknown): void;
}

/**
 * Group commit: requests made while earlier ones are still in Postgres are sent together, as one
 * statement, when a slot frees. Under light load every request goes out at once (batches of one;
 * no timer, no added wait); under load one round trip, one plan execution and one commit serve
 * many requests, which is what lets a worker claim, record and retrieve at a rate a statement
 * per request cannot.
 *
 * `run` gets the batch's items and returns one result per item, in order (a BatchItemFailure for
 * an item that failed alone). If a batch of several fails as a whole, each item is retried on its
 * own so that one bad request cannot fail the others; each caller then gets its own result or
 * error. A batch that failed because Postgres is unreachable fails every caller at once.
 *
 * Waiting requests leave in the order of their work priority (first in, first out within one):
 * a job of a lightly loaded tenant joins the next statement, not the one after hundreds of others.
 */
export class StatementBatcher<I, O> {
  private readonly queue: Pending<I, O>[] = [];
  /** The most urgent priority of each statement in flight. */
  private readonly inFlight: number[] = [];
  private scheduled = false;
  private readonly maxBatch: number;
  private readonly maxInFlight: number;
  private readonly spread: boolean;
  private readonly retryAlone: (err: unknown) => boolean;

  constructor(
    private readonly run: (items: I[]) => Promise<(O | BatchItemFailure)[]>,
    options: StatementBatcherOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 200;
    this.maxInFlight = options.maxInFlight ?? 2;
    this.spread = options.spread ?? false;
    this.retryAlone = options.retryAlone ?? ((err) => !isTransientPgError(err));
    if (!Number.isInteger(this.maxBatch) || this.maxBatch < 1) throw new Error(`maxBatch must be a positive integer, got ${this.maxBatch}`);
    if (!Number.isInteger(this.maxInFlight) || this.maxInFlight < 1) throw new Error(`maxInFlight must be a positive integer, got ${this.maxInFlight}`);
  }

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      insertByPriority(this.queue, { item, priority: workPriority(), resolve, reject });
      this.schedule();
    });
  }

  /** Requests waiting for a slot (not counting those in flight). */
  get waiting(): number {
    return this.queue.length;
  }

  // Requests made in the same turn of the event loop leave together: the flush waits for the
  // microtasks of this turn, not for a timer.
  private schedule(): void {
    if (this.scheduled || !this.canStart()) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  /**
   * A slot is free, or the express lane is: one statement more than maxInFlight, for requests
   * more urgent than every statement in flight (a lightly loaded tenant's request does not wait
   * for a burst's statements of hundreds to finish).
   */
  private canStart(): boolean {
    const head = this.queue[0];
    if (!head) return false;
    if (this.inFlight.length < this.maxInFlight) return true;
    return this.inFlight.length === this.maxInFlight && head.priority < Math.min(...this.inFlight);
  }

  private flush(): void {
    while (this.canStart()) {
      const express = this.inFlight.length >= this.maxInFlight;
      const head = this.queue[0]!.priority;
      // One statement carries requests of about one priority (see RIDE_TOGETHER), so an urgent
      // request is not held up by the hundreds of others it would otherwise ride with.
      const below = express ? Math.min(...this.inFlight) : Infinity;
      let eligible = 0;
      for (const p of this.queue) {
        if (p.priority > head + RIDE_TOGETHER || p.priority >= below) break;
        eligible += 1;
      }
      const share = this.spread ? Math.ceil(eligible / Math.max(1, this.maxInFlight - this.inFlight.length)) : eligible;
      const batch = this.queue.splice(0, Math.min(this.maxBatch, share));
      const slot = head;
      this.inFlight.push(slot);
      void this.execute(batch).finally(() => {
        this.inFlight.splice(this.inFlight.indexOf(slot), 1);
        this.schedule();
      });
    }
  }

  /** `run`, holding it to one result per item. */
  private async runChecked(items: I[]): Promise<(O | BatchItemFailure)[]> {
    const results = await this.run(items);
    if (results.length !== items.length) throw new Error(`a batch of ${items.length} returned ${results.length} results`);
    return results;
  }

  private async execute(batch: Pending<I, O>[]): Promise<void> {
    try {
      const results = await this.runChecked(batch.map((p) => p.item));
      batch.forEach((p, i) => settle(p, results[i]));
    } catch (err) {
      if (batch.length === 1 || !this.retryAlone(err)) {
        for (const p of batch) p.reject(err);
        return;
      }
      // One after the other: a failed batch of hundreds must not queue hundreds of statements
      // on the connection pool at once.
      for (const p of batch) {
        try {
          settle(p, (await this.runChecked([p.item]))[0]);
        } catch (e) {
          p.reject(e);
        }
      }
    }
  }
}

function settle<O>(pending: Pending<unknown, O>, result: O | BatchItemFailure | undefined): void {
  if (result instanceof BatchItemFailure) pending.reject(result.error);
  else pending.resolve(result as O);
}
