import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { CounterSnapshot } from './instrument';

/** The preload hook, as built next to this file. */
export const INSTRUMENT_PATH = resolve(__dirname, 'instrument.js');

export interface ProcessCallCounts {
  pgQueries: number;
  redisCommands: number;
  redisRoundTrips: number;
  byStatement: Record<string, { count: number; totalMs: number }>;
  byCommand: Record<string, number>;
}

/**
 * The benchmark's side of instrument.ts: a directory for the snapshots, the environment that
 * loads the hook, and snapshots taken on demand (SIGUSR2) from every counted process.
 */
export class CallCounters {
  readonly dir = mkdtempSync(join(tmpdir(), 'mesh-bench-counts-'));
  private readonly seq = new Map<number, number>();

  /** Environment additions for a counted process. */
  env(): Record<string, string> {
    return { BENCH_COUNT_DIR: this.dir };
  }

  /** Node flags that load the hook. */
  nodeOptions(): string[] {
    return [`--require=${INSTRUMENT_PATH}`];
  }

  /** Asks each process for its counters and waits for the answers (null for a process that did not answer). */
  async snapshot(pids: number[], timeoutMs = 5_000): Promise<Map<number, CounterSnapshot | null>> {
    const want = new Map<number, number>();
    for (const pid of pids) {
      const next = (this.seq.get(pid) ?? 0) + 1;
      want.set(pid, next);
      try {
        process.kill(pid, 'SIGUSR2');
      } catch {
        want.delete(pid);
      }
    }
    const out = new Map<number, CounterSnapshot | null>(pids.map((p) => [p, null]));
    const until = Date.now() + timeoutMs;
    while (want.size > 0 && Date.now() < until) {
      for (const [pid, seq] of [...want]) {
        const file = join(this.dir, `${pid}.json`);
        if (!existsSync(file)) continue;
        try {
          const snap = JSON.parse(readFileSync(file, 'utf8')) as CounterSnapshot;
          if (snap.seq >= seq) {
            out.set(pid, snap);
            this.seq.set(pid, snap.seq);
            want.delete(pid);
          }
        } catch {
          // written while we read: try again
        }
      }
      if (want.size > 0) await new Promise((r) => setTimeout(r, 25));
    }
    return out;
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** What a process did between two snapshots. */
export function countsBetween(before: CounterSnapshot | null, after: CounterSnapshot | null): ProcessCallCounts | null {
  if (!after) return null;
  const byStatement: ProcessCallCounts['byStatement'] = {};
  for (const [sql, a] of Object.entries(after.pg.byStatement)) {
    const b = before?.pg.byStatement[sql];
    const count = a.count - (b?.count ?? 0);
    if (count > 0) byStatement[sql] = { count, totalMs: a.totalMs - (b?.totalMs ?? 0) };
  }
  const byCommand: Record<string, number> = {};
  for (const [name, n] of Object.entries(after.redis.byCommand)) {
    const count = n - (before?.redis.byCommand[name] ?? 0);
    if (count > 0) byCommand[name] = count;
  }
  return {
    pgQueries: after.pg.queries - (before?.pg.queries ?? 0),
    redisCommands: after.redis.commands - (before?.redis.commands ?? 0),
    redisRoundTrips: after.redis.roundTrips - (before?.redis.roundTrips ?? 0),
    byStatement,
    byCommand,
  };
}

export interface PoolWaits {
  checkouts: number;
  /** Mean milliseconds a checkout waited for a client (0 when there was none). */
  meanWaitMs: number;
  /** Checkouts waiting, and clients in use, over the samples inside the window (100 ms apart). */
  waitingMedian: number;
  waitingMax: number;
  inUseMedian: number;
  samples: number;
}

function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A process's Postgres pool between two snapshots: checkouts and their wait, and the queue sampled between `fromMs` and `toMs`. */
export function poolWaitsBetween(before: CounterSnapshot | null, after: CounterSnapshot | null, fromMs: number, toMs: number): PoolWaits | null {
  if (!after?.pool) return null;
  const checkouts = after.pool.checkouts - (before?.pool?.checkouts ?? 0);
  const waitedMs = after.pool.waitedMs - (before?.pool?.waitedMs ?? 0);
  const inWindow = after.pool.samples.filter(([at]) => at >= fromMs && at <= toMs);
  return {
    checkouts,
    meanWaitMs: checkouts > 0 ? waitedMs / checkouts : 0,
    waitingMedian: median(inWindow.map(([, waiting]) => waiting)),
    waitingMax: inWindow.reduce((m, [, waiting]) => Math.max(m, waiting), 0),
    inUseMedian: median(inWindow.map(([, , inUse]) => inUse)),
    samples: inWindow.length,
  };
}

export interface BatcherWaits {
  submits: number;
  /** Mean milliseconds from a request's submit to its result: the wait for a slot and the statement itself. */
  meanMs: number;
  /** Requests waiting for a slot over the samples inside the window. */
  waitingMedian: number;
  waitingMax: number;
}

/** A process's store batchers between two snapshots, by label, with their queues sampled between `fromMs` and `toMs`. */
export function batcherWaitsBetween(before: CounterSnapshot | null, after: CounterSnapshot | null, fromMs: number, toMs: number): Record<string, BatcherWaits> {
  if (!after?.batchers) return {};
  const inWindow = after.batchers.samples.filter(([at]) => at >= fromMs && at <= toMs);
  const out: Record<string, BatcherWaits> = {};
  for (const [label, totals] of Object.entries(after.batchers.byLabel)) {
    const earlier = before?.batchers?.byLabel[label];
    const submits = totals.submits - (earlier?.submits ?? 0);
    if (submits <= 0) continue;
    const waiting = inWindow.map(([, byLabel]) => byLabel[label] ?? 0);
    out[label] = {
      submits,
      meanMs: (totals.waitedMs - (earlier?.waitedMs ?? 0)) / submits,
      waitingMedian: median(waiting),
      waitingMax: waiting.reduce((m, w) => Math.max(m, w), 0),
    };
  }
  return out;
}
