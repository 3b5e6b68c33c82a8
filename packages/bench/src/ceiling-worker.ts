/**
 * A process of the raw BullMQ ceiling (started by ceiling.ts with fork): no-op Workers on the
 * ceiling's queues, one shared connection like the mesh processes. Role `parent` consumes the
 * flow parents and records when each completed; role `children` consumes the four child queues.
 * Talks to the benchmark over IPC: `count`, `report` (completion times), `stop`.
 */
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';

export interface CeilingWorkerConfig {
  redisUrl: string;
  prefix: string;
  queues: string[];
  concurrency: number;
}

export type CeilingRequest = { cmd: 'count' } | { cmd: 'report' } | { cmd: 'stop' };
export type CeilingMessage = { type: 'ready' } | { type: 'count'; count: number } | { type: 'report'; completedAtMs: number[] };

async function main(): Promise<void> {
  const config = JSON.parse(process.env.CEILING_CONFIG ?? '{}') as CeilingWorkerConfig;
  const connection = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
  const completedAtMs: number[] = [];
  const workers = config.queues.map((queue) => {
    const worker = new Worker(queue, async () => undefined, { connection, prefix: config.prefix, concurrency: config.concurrency });
    worker.on('completed', () => {
      completedAtMs.push(Date.now());
    });
    worker.on('error', (err) => console.error(`ceiling worker ${queue}: ${String(err)}`));
    return worker;
  });
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  const send = (m: CeilingMessage) => process.send?.(m);
  process.on('message', (m: CeilingRequest) => {
    if (m.cmd === 'count') send({ type: 'count', count: completedAtMs.length });
    else if (m.cmd === 'report') send({ type: 'report', completedAtMs });
    else if (m.cmd === 'stop') {
      Promise.all(workers.map((w) => w.close()))
        .then(() => connection.quit())
        .finally(() => process.exit(0));
    }
  });
  // The benchmark went away (interrupted): do not linger.
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready' });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
