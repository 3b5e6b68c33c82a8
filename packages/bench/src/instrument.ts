/**
 * Loaded into the launched processes with `--require` (only when the benchmark counts): counts
 * every Postgres query (by statement, with client-side time) and every Redis command (by
 * command; Lua scripts by their BullMQ name) the process sends. On SIGUSR2 it writes the
 * counters so far to `$BENCH_COUNT_DIR/<pid>.json`; the benchmark takes one snapshot before and
 * one after the measured window and divides the difference by the tasks completed.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Pool } from 'pg';
import { Redis } from 'ioredis';

export interface StatementCount {
  count: number;
  totalMs: number;
}

export interface CounterSnapshot {
  seq: number;
  pid: number;
  pg: { queries: number; byStatement: Record<string, StatementCount> };
  redis: { commands: number; roundTrips: number; byCommand: Record<string, number> };
  /**
   * Simulated model calls: in flight now, the most at once, all so far, [epoch ms, in flight]
   * every 100 ms, and when each call reached the provider (Date.now(), the first 20,000).
   */
  model: { inFlight: number; peak: number; calls: number; samples: [number, number][]; starts: number[] };
  /**
   * Postgres pool checkouts (pg-pool's connect, behind every pool.query and transaction): how
   * many, the milliseconds spent waiting for a client in all, and [epoch ms, waiting, in use]
   * every 100 ms over every pool of the process. A wait here (in the store's priority gate in
   * front of each pool, or in the pool itself) is a queue inside the process, ahead of Postgres.
   */
  pool: { checkouts: number; waitedMs: number; samples: [number, number, number][] };
  /**
   * The store's group-commit batchers (StatementBatcher, one per kind of statement: claimMany,
   * completeMany, candidatesMany, insert of llm_calls): requests and the milliseconds from each
   * submit to its result in all, and every 100 ms the requests waiting per batcher. Their queue
   * is ordered by work priority (the job's tenant share), first in first out within one.
   */
  batchers: { byLabel: Record<string, { submits: number; waitedMs: number }>; samples: [number, Record<string, number>][] };
}

/** One key per statement shape: white space collapsed, parameter lists folded, cut short. */
export function normaliseSql(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .replace(/\(\$\d+[^()]*\)(, \(\$\d+[^()]*\))+/g, '($…)…')
    .trim()
    .slice(0, 140);
}

function install(dir: string): void {
  const byStatement = new Map<string, StatementCount>();
  const byCommand = new Map<string, number>();
  const scriptNames = new Map<string, string>();
  let queries = 0;
  let commands = 0;
  let roundTrips = 0;
  let seq = 0;

  // Statement texts repeat: normalise each distinct text once.
  const keys = new Map<string, string>();
  const keyOf = (text: string): string => {
    let key = keys.get(text);
    if (key === undefined) {
      key = normaliseSql(text);
      if (keys.size < 5_000) keys.set(text, key);
    }
    return key;
  };
  type QueryFn = (this: unknown, ...args: unknown[]) => unknown;
  const clientProto = Client.prototype as unknown as { query: QueryFn };
  const originalQuery = clientProto.query;
  clientProto.query = function instrumentedQuery(this: unknown, ...args: unknown[]) {
    const config = args[0] as string | { text?: string } | undefined;
    const text = typeof config === 'string' ? config : typeof config?.text === 'string' ? config.text : '(submittable)';
    const key = keyOf(text);
    let entry = byStatement.get(key);
    if (!entry) {
      entry = { count: 0, totalMs: 0 };
      byStatement.set(key, entry);
    }
    entry.count += 1;
    queries += 1;
    const started = performance.now();
    const counted = entry;
    const done = () => {
      counted.totalMs += performance.now() - started;
    };
    const cbIndex = typeof args[2] === 'function' ? 2 : typeof args[1] === 'function' ? 1 : -1;
    if (cbIndex >= 0) {
      const cb = args[cbIndex] as (...a: unknown[]) => unknown;
      args[cbIndex] = (...a: unknown[]) => {
        done();
        return cb(...a);
      };
    }
    const result = originalQuery.apply(this, args);
    if (cbIndex < 0 && result && typeof (result as Promise<unknown>).then === 'function') (result as Promise<unknown>).then(done, done);
    return result;
  };

  type PoolLike = { waitingCount: number; totalCount: number; idleCount: number };
  type ConnectFn = (this: PoolLike, cb?: (err: unknown, client: unknown, done: unknown) => void) => unknown;
  const poolProto = Pool.prototype as unknown as { connect: ConnectFn };
  const originalConnect = poolProto.connect;
  const pools = new Set<PoolLike>();
  let checkouts = 0;
  let waitedMs = 0;
  const poolSamples: [number, number, number][] = [];
  poolProto.connect = function instrumentedConnect(this: PoolLike, cb) {
    pools.add(this);
    checkouts += 1;
    const started = performance.now();
    const done = () => {
      waitedMs += performance.now() - started;
    };
    if (typeof cb === 'function') {
      return originalConnect.call(this, (err, client, release) => {
        done();
        cb(err, client, release);
      });
    }
    const result = originalConnect.call(this);
    if (result && typeof (result as Promise<unknown>).then === 'function') (result as Promise<unknown>).then(done, done);
    return result;
  };
  // The store puts a priority gate of the pool's size in front of each pool (work-priority.ts):
  // the waits happen there, in priority order, so they are counted there too.
  type GateLike = { waiting: number };
  const gates = new Set<GateLike>();
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const gateModule = require('@mesh/store/dist/work-priority') as { PriorityGate: { prototype: { acquire: (this: GateLike) => Promise<void> } } };
    const gateProto = gateModule.PriorityGate.prototype;
    const originalAcquire = gateProto.acquire;
    gateProto.acquire = function instrumentedAcquire(this: GateLike) {
      gates.add(this);
      const started = performance.now();
      const result = originalAcquire.call(this);
      const done = () => {
        waitedMs += performance.now() - started;
      };
      result.then(done, done);
      return result;
    };
  } catch {
    // not a process that loads the store
  }
  setInterval(() => {
    if (pools.size === 0 || poolSamples.length >= 50_000) return;
    let waiting = 0;
    let inUse = 0;
    for (const g of gates) waiting += g.waiting;
    for (const p of pools) {
      waiting += p.waitingCount;
      inUse += p.totalCount - p.idleCount;
    }
    poolSamples.push([Date.now(), waiting, inUse]);
  }, 100).unref();

  // The store's batchers, if this process loads the store (a deep path: the class is not in its barrel).
  const batcherTotals = new Map<string, { submits: number; waitedMs: number }>();
  const batcherSamples: [number, Record<string, number>][] = [];
  try {
    type BatcherLike = { run: (...a: unknown[]) => unknown; waiting: number };
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const batcherModule = require('@mesh/store/dist/statement-batcher') as { StatementBatcher: { prototype: { submit: (this: BatcherLike, item: unknown) => Promise<unknown> } } };
    const batcherProto = batcherModule.StatementBatcher.prototype;
    const originalSubmit = batcherProto.submit;
    const labels = new Map<BatcherLike, string>();
    batcherProto.submit = function instrumentedSubmit(this: BatcherLike, item: unknown) {
      let label = labels.get(this);
      if (label === undefined) {
        label = /this\.(\w+)/.exec(String(this.run))?.[1] ?? 'batch';
        labels.set(this, label);
      }
      let totals = batcherTotals.get(label);
      if (!totals) {
        totals = { submits: 0, waitedMs: 0 };
        batcherTotals.set(label, totals);
      }
      totals.submits += 1;
      const started = performance.now();
      const counted = totals;
      const result = originalSubmit.call(this, item);
      const done = () => {
        counted.waitedMs += performance.now() - started;
      };
      result.then(done, done);
      return result;
    };
    setInterval(() => {
      if (labels.size === 0 || batcherSamples.length >= 50_000) return;
      const waiting: Record<string, number> = {};
      for (const [batcher, label] of labels) waiting[label] = (waiting[label] ?? 0) + batcher.waiting;
      batcherSamples.push([Date.now(), waiting]);
    }, 100).unref();
  } catch {
    // not a process that loads the store
  }

  type RedisProto = {
    sendCommand: (this: unknown, command: { name: string; args: unknown[] }, stream?: unknown) => unknown;
    defineCommand: (this: unknown, name: string, definition: { lua: string; numberOfKeys?: number }) => unknown;
  };
  const redisProto = Redis.prototype as unknown as RedisProto;
  const originalDefine = redisProto.defineCommand;
  redisProto.defineCommand = function instrumentedDefine(this: unknown, name, definition) {
    scriptNames.set(createHash('sha1').update(definition.lua).digest('hex'), name.replace(/-\d+$/, ''));
    return originalDefine.call(this, name, definition);
  };
  const originalSend = redisProto.sendCommand;
  redisProto.sendCommand = function instrumentedSend(this: unknown, command, stream) {
    let name = command.name;
    if (name === 'evalsha') name = `evalsha:${scriptNames.get(String(command.args[0])) ?? String(command.args[0]).slice(0, 8)}`;
    else if (name === 'eval') name = `eval:${scriptNames.get(createHash('sha1').update(String(command.args[0])).digest('hex')) ?? 'script'}`;
    byCommand.set(name, (byCommand.get(name) ?? 0) + 1);
    commands += 1;
    // Pipelined commands pass a stream and share one round trip (counted at exec below).
    if (!stream) roundTrips += 1;
    return originalSend.call(this, command, stream);
  };
  // ioredis' Pipeline (also behind multi()): one round trip per exec.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pipelineModule = require('ioredis/built/Pipeline') as { default: { prototype: { exec: (...a: unknown[]) => unknown } } };
  const pipelineProto = pipelineModule.default.prototype;
  const originalExec = pipelineProto.exec;
  pipelineProto.exec = function instrumentedExec(this: unknown, ...args: unknown[]) {
    roundTrips += 1;
    return originalExec.apply(this, args);
  };

  // Simulated model calls in flight, as the provider sees them (the sleep of MESH_SIM_LATENCY_MS).
  let inFlight = 0;
  let peak = 0;
  let calls = 0;
  const samples: [number, number][] = [];
  // Date.now(), not performance.now(): the clock Postgres' now() and BullMQ's job times are on.
  const starts: number[] = [];
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const llm = require('@mesh/llm') as { SimulatedProvider: { prototype: { call: (...a: unknown[]) => Promise<unknown> } } };
    const providerProto = llm.SimulatedProvider.prototype;
    const originalCall = providerProto.call;
    providerProto.call = async function instrumentedCall(this: unknown, ...args: unknown[]) {
      if (starts.length < 20_000) starts.push(Date.now());
      inFlight += 1;
      calls += 1;
      if (inFlight > peak) peak = inFlight;
      try {
        return await originalCall.apply(this, args);
      } finally {
        inFlight -= 1;
      }
    };
    setInterval(() => {
      if (samples.length < 50_000) samples.push([Date.now(), inFlight]);
    }, 100).unref();
  } catch {
    // not a process that loads the model layer
  }

  process.on('SIGUSR2', () => {
    seq += 1;
    const snapshot: CounterSnapshot = {
      seq,
      pid: process.pid,
      pg: { queries, byStatement: Object.fromEntries(byStatement) },
      redis: { commands, roundTrips, byCommand: Object.fromEntries(byCommand) },
      model: { inFlight, peak, calls, samples, starts },
      pool: { checkouts, waitedMs, samples: poolSamples },
      batchers: { byLabel: Object.fromEntries(batcherTotals), samples: batcherSamples },
    };
    writeFileSync(join(dir, `${process.pid}.json`), JSON.stringify(snapshot));
  });
}

const dir = process.env.BENCH_COUNT_DIR;
if (dir) install(dir);
