import { performance, type EventLoopUtilization } from 'node:perf_hooks';

/** A BullMQ worker's limit on the jobs it runs at once, as the governor sets it. */
export interface GovernedWorker {
  concurrency: number;
}

export interface ConcurrencyGovernorOptions {
  /** How often the event loop's utilization is read and the limits set. */
  intervalMs: number;
  /** Busy above this share of the time: the process is saturated, and its limits shrink. */
  high: number;
  /** Busy below this share: the limits grow back toward each worker's configured concurrency. */
  low: number;
  /** The least share of its configured concurrency a worker keeps. */
  minShare: number;
}

export const GOVERNOR_DEFAULTS: ConcurrencyGovernorOptions = { intervalMs: 500, high: 0.9, low: 0.7, minShare: 0.05 };

/** Shrinks by this factor per saturated reading (quickly, as a burst arrives), grows by `GROW` of the configured concurrency per idle one. */
const SHRINK = 0.7;
const GROW = 0.05;

/**
 * Sets how many jobs the process's workers run at once from how busy its event loop is. A job
 * mostly waits for a model, so the configured concurrency (100 subtasks, 50 coordinator jobs) is
 * what keeps slow calls in flight. When the jobs' own work saturates the process instead (a burst
 * with fast models), every job admitted takes turns on the same loop, first come first served
 * whatever its tenant: a quiet tenant's job, taken first from the queue by its priority, then
 * waits behind the hundreds already running. Below the configured limits the backlog waits in the
 * queues, where the tenants' shares order it. The limits shrink by a factor while the loop is busy
 * above `high` and grow back linearly below `low`; every worker of the process keeps the same share
 * of its configured concurrency, never below `minShare` (and never below one job).
 */
export class ConcurrencyGovernor {
  private share = 1;
  private readonly workers = new Map<GovernedWorker, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: ConcurrencyGovernorOptions = GOVERNOR_DEFAULTS,
    /** The share of the time the loop was busy since the last reading (tests pass their own). */
    private readonly utilization: () => number = loopUtilization(),
    /** Told each new share (the process's metric). */
    private readonly onChange: (share: number) => void = () => {},
  ) {
    if (!(options.low < options.high && options.high <= 1 && options.minShare > 0 && options.minShare <= 1)) throw new Error('ConcurrencyGovernor: need 0 < minShare <= 1 and low < high <= 1');
  }

  /** Governs `worker`, whose configured concurrency is `max`, until the returned function is called. */
  govern(worker: GovernedWorker, max: number): () => void {
    this.workers.set(worker, max);
    this.apply(worker, max);
    if (!this.timer) {
      this.timer = setInterval(() => this.tick(), this.options.intervalMs);
      this.timer.unref();
    }
    return () => {
      this.workers.delete(worker);
      if (this.workers.size === 0) this.stop();
    };
  }

  /** The share of their configured concurrency the workers have now. */
  get currentShare(): number {
    return this.share;
  }

  /** One reading: shrink, grow or keep the limits. */
  tick(): void {
    const busy = this.utilization();
    const before = this.share;
    if (busy > this.options.high) this.share = Math.max(this.options.minShare, this.share * SHRINK);
    else if (busy < this.options.low) this.share = Math.min(1, this.share + GROW);
    if (this.share === before) return;
    for (const [worker, max] of this.workers) this.apply(worker, max);
    this.onChange(this.share);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private apply(worker: GovernedWorker, max: number): void {
    worker.concurrency = Math.max(1, Math.round(max * this.share));
  }
}

/** The event loop's busy share between successive calls (Node's event loop utilization). */
function loopUtilization(): () => number {
  let last: EventLoopUtilization = performance.eventLoopUtilization();
  return () => {
    const now = performance.eventLoopUtilization();
    const { utilization } = performance.eventLoopUtilization(now, last);
    last = now;
    return utilization;
  };
}
