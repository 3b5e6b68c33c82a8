import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { FlowProducer } from 'bullmq';
import { Redis } from 'ioredis';
import { deleteKeys } from '@mesh/testing';
import type { CeilingMessage, CeilingRequest, CeilingWorkerConfig } from './ceiling-worker';
import { redisCpuMs } from './load-run';
import { CpuMeter } from './proc-stats';
import { overallRate, steadyStateRate } from './stats';

export const CEILING_PARENT_QUEUE = 'bench-parent';
export const CEILING_CHILD_QUEUES = ['bench-c1', 'bench-c2', 'bench-c3', 'bench-c4'];

export interface CeilingOptions {
  redisUrl: string;
  flows: number;
  /** Like the coordinator's (MESH_COORDINATOR_CONCURRENCY). */
  parentConcurrency: number;
  /** Per child queue, like a worker's (MESH_WORKER_CONCURRENCY). */
  childConcurrency: number;
  /** Flows being added at once (like the HTTP client's requests in flight). */
  clientConcurrency: number;
  timeoutMs: number;
  /** Registers the teardown with the caller, so an interrupted run still removes the processes and keys. */
  onCleanup?: (fn: () => Promise<void>) => void;
}

export interface CeilingResult {
  flows: number;
  flowsPerSecond: number;
  steadyFlowsPerSecond: number;
  durationMs: number;
  cpu: ReturnType<CpuMeter['end']>;
  /** Redis's CPU and the commands it executed (Lua scripts' inner calls included) per flow. */
  redisCpuMsPerFlow: number;
  redisCommandsPerFlow: number;
  settings: Record<string, string | number>;
}

class CeilingProcess {
  private readonly waiters: ((m: CeilingMessage) => void)[] = [];
  readonly child: ChildProcess;

  constructor(
    readonly name: string,
    config: CeilingWorkerConfig,
  ) {
    this.child = fork(resolve(__dirname, 'ceiling-worker.js'), [], {
      env: { PATH: process.env.PATH ?? '', CEILING_CONFIG: JSON.stringify(config) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (m: CeilingMessage) => {
      const waiter = this.waiters.shift();
      waiter?.(m);
    });
  }

  next(timeoutMs = 30_000): Promise<CeilingMessage> {
    return new Promise((resolvePromise, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: no answer within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push((m) => {
        clearTimeout(timer);
        resolvePromise(m);
      });
    });
  }

  async ask(request: CeilingRequest): Promise<CeilingMessage> {
    const answer = this.next();
    this.child.send(request);
    return answer;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.send({ cmd: 'stop' } satisfies CeilingRequest);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

/**
 * The raw BullMQ ceiling: flows of one parent (queue bench-parent) and four children (one on
 * each of bench-c1..c4), no-op processors in two separate processes shaped like the mesh run
 * (a "coordinator" process for the parents, a "worker" process for the four child queues),
 * removeOnComplete. Measures completed flows per second for the same count as the mesh run.
 */
export async function runCeiling(options: CeilingOptions): Promise<CeilingResult> {
  const prefix = `bench-ceiling-${randomBytes(3).toString('hex')}`;
  const parent = new CeilingProcess('ceiling-parent', { redisUrl: options.redisUrl, prefix, queues: [CEILING_PARENT_QUEUE], concurrency: options.parentConcurrency });
  const children = new CeilingProcess('ceiling-children', { redisUrl: options.redisUrl, prefix, queues: CEILING_CHILD_QUEUES, concurrency: options.childConcurrency });
  const connection = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  const producer = new FlowProducer({ connection, prefix });
  let cleaned: Promise<void> | undefined;
  const cleanup = () => {
    cleaned ??= (async () => {
      await Promise.all([parent.stop(), children.stop()]);
      await producer.close().catch(() => {});
      await deleteKeys(connection, `${prefix}*`).catch(() => 0);
      connection.disconnect();
    })();
    return cleaned;
  };
  options.onCleanup?.(cleanup);
  const meter = new CpuMeter(() => [
    { name: 'ceiling-parent', pid: parent.child.pid ?? 0 },
    { name: 'ceiling-children', pid: children.child.pid ?? 0 },
    { name: 'bench-driver', pid: process.pid },
  ]);
  try {
    const ready = await Promise.all([parent.next(), children.next()]);
    if (ready.some((m) => m.type !== 'ready')) throw new Error('ceiling workers did not start');
    const redisCpuBefore = await redisCpuMs(connection);
    const redisCommandsBefore = await redisCommands(connection);
    meter.begin();
    const startedAtMs = Date.now();
    let next = 0;
    const lane = async () => {
      for (;;) {
        const i = next++;
        if (i >= options.flows) return;
        await producer.add({
          name: 'parent',
          queueName: CEILING_PARENT_QUEUE,
          data: { i },
          opts: { removeOnComplete: true },
          children: CEILING_CHILD_QUEUES.map((queueName) => ({ name: 'child', queueName, data: { i }, opts: { removeOnComplete: true } })),
        });
      }
    };
    await Promise.all(Array.from({ length: Math.min(options.clientConcurrency, options.flows) }, lane));
    const until = Date.now() + options.timeoutMs;
    for (;;) {
      const m = await parent.ask({ cmd: 'count' });
      if (m.type === 'count' && m.count >= options.flows) break;
      if (Date.now() > until) throw new Error(`ceiling: ${m.type === 'count' ? m.count : '?'} of ${options.flows} flows completed within ${options.timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const cpu = meter.end();
    const redisCpuMsUsed = (await redisCpuMs(connection)) - redisCpuBefore;
    const redisCommandsUsed = (await redisCommands(connection)) - redisCommandsBefore;
    const report = await parent.ask({ cmd: 'report' });
    const times = report.type === 'report' ? report.completedAtMs : [];
    return {
      flows: times.length,
      flowsPerSecond: overallRate(startedAtMs, times),
      steadyFlowsPerSecond: steadyStateRate(times),
      durationMs: Math.max(...times) - startedAtMs,
      cpu,
      redisCpuMsPerFlow: redisCpuMsUsed / options.flows,
      redisCommandsPerFlow: redisCommandsUsed / options.flows,
      settings: {
        parent_concurrency: options.parentConcurrency,
        child_concurrency_per_queue: options.childConcurrency,
        client_concurrency: options.clientConcurrency,
        processes: '1 parent + 1 children (4 queues)',
      },
    };
  } finally {
    await cleanup();
  }
}

async function redisCommands(redis: Redis): Promise<number> {
  return Number(/total_commands_processed:(\d+)/.exec(await redis.info('stats'))?.[1] ?? 0);
}
