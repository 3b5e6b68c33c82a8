import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { CreateNetworkBody, ErrorBody, QueuedTaskCapError, SubmitTaskBody } from '@mesh/core';
import { MeshQueues } from '@mesh/queue';
import { createDb, createStore } from '@mesh/store';
import { createTestEnv, freePort, launchApp, type LaunchedProcess, type TestEnv } from '@mesh/testing';
import { KEY_A, KEY_B } from './api-harness';

/**
 * Backpressure under a burst: 10,000 task submissions (`"process": true`), 200 in flight at a
 * time, spread over two API processes, against a per-tenant cap of 500 unfinished tasks. Exactly
 * 500 start — the cap holds under concurrency and across processes — the rest answer 429 with
 * Retry-After and store nothing, nothing answers 5xx. A coordinator and a worker process run
 * throughout; the coordinator queue is paused during the burst (a task finishing then would free a
 * place under the cap and make the count inexact) and resumed afterwards, so they drain the 500
 * tasks at once. Every process's resident memory stays bounded through the burst and the drain.
 */

const CAP = 500;
const SUBMISSIONS = 10_000;
const IN_FLIGHT = 200;
/** Generous: a bound on growth under load, not a measurement. */
const MAX_API_RSS_BYTES = 300 * 1024 * 1024;
const MAX_ENGINE_RSS_BYTES = 512 * 1024 * 1024;
/** The 500 tasks drain in well under this on a loaded 2-core machine; it only bounds a hang. */
const DRAIN_TIMEOUT_MS = 120_000;

let env: TestEnv;
let queues: MeshQueues;
const apis: { proc: LaunchedProcess; url: string }[] = [];
/** The coordinator and the worker, with their METRICS_PORT ops servers (probes). */
const engines: { proc: LaunchedProcess; url: string }[] = [];

function rssBytes(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) * 1024;
}

/** Keep-alive connections, up to one per request in flight: the client must not be the bottleneck. */
const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT });

function post(url: string, path: string, body: unknown, key = KEY_A): Promise<{ status: number; retryAfter: string | undefined; body: any }> {
  const target = new URL(`${url}/api/mesh${path}`);
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        agent,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'], body: text ? JSON.parse(text) : undefined });
        });
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

async function waitUntilAnswers(target: { proc: LaunchedProcess; url: string }, path = '/livez'): Promise<void> {
  const until = Date.now() + 30_000;
  for (;;) {
    if (target.proc.child.exitCode !== null) throw new Error(`${target.proc.name} exited:\n${target.proc.lines.join('\n')}`);
    const ok = await fetch(`${target.url}${path}`).then((r) => r.ok, () => false);
    if (ok) return;
    if (Date.now() > until) throw new Error(`${target.proc.name} did not start:\n${target.proc.lines.join('\n')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Peak resident memory per process, sampled every 50 ms from /proc/<pid>/status until stopped. */
function sampleRss(targets: { proc: LaunchedProcess }[]): { peaks: Record<string, number>; stop(): void } {
  const peaks: Record<string, number> = Object.fromEntries(targets.map((t) => [t.proc.name, 0]));
  const timer = setInterval(() => {
    for (const { proc } of targets) {
      try {
        peaks[proc.name] = Math.max(peaks[proc.name]!, rssBytes(proc.child.pid!));
      } catch {
        // /proc/<pid> is gone: the process died (the checks after the burst and the drain catch it).
      }
    }
  }, 50);
  return { peaks, stop: () => clearInterval(timer) };
}

function expectRssBelow(peaks: Record<string, number>, names: string[], limitBytes: number, phase: string): void {
  for (const name of names) {
    const peakRssMb = Math.round(peaks[name]! / 1048576);
    expect({ phase, process: name, peakRssMb, bounded: peaks[name]! > 0 && peaks[name]! < limitBytes }).toEqual({ phase, process: name, peakRssMb, bounded: true });
    if (process.env.MESH_TEST_LOG) console.log(`${phase}: ${name} peak RSS ${peakRssMb} MB`);
  }
}

beforeAll(async () => {
  env = await createTestEnv('backpressure', { MESH_MAX_QUEUED_TASKS_PER_TENANT: String(CAP), MESH_RATE_LIMIT_PER_MINUTE: '0' });
  queues = new MeshQueues({ connection: env.redis, prefix: env.queuePrefix });
  await queues.coordinator.pause();
  const ports = await Promise.all([freePort(), freePort()]);
  // Logging at warn: 10,000 access-log lines would cost more than the requests. Ready when /livez answers.
  const procs = await Promise.all(ports.map((port, i) => launchApp('api', { ...env.env, PORT: String(port), HOST: '127.0.0.1' }, { name: `api-${i}`, logLevel: 'warn', waitReady: false })));
  procs.forEach((proc, i) => apis.push({ proc, url: `http://127.0.0.1:${ports[i]}` }));
  // The coordinator and a worker for every agent type, at warn as well; ready when their /readyz answers.
  const opsPorts = await Promise.all([freePort(), freePort()]);
  engines.push(
    { proc: await launchApp('coordinator', { ...env.env, METRICS_PORT: String(opsPorts[0]) }, { logLevel: 'warn', waitReady: false }), url: `http://127.0.0.1:${opsPorts[0]}` },
    { proc: await launchApp('worker', { ...env.env, METRICS_PORT: String(opsPorts[1]) }, { args: ['--agents', 'all'], logLevel: 'warn', waitReady: false }), url: `http://127.0.0.1:${opsPorts[1]}` },
  );
  await Promise.all([...apis.map((api) => waitUntilAnswers(api)), ...engines.map((engine) => waitUntilAnswers(engine, '/readyz'))]);
}, 60_000);

afterAll(async () => {
  agent.destroy();
  await Promise.all([...apis, ...engines].map((a) => a.proc.stop(5_000)));
  await queues?.close();
  await env?.cleanup();
});

describe('backpressure', () => {
  it('never passes the cap when starts race, from two connection pools (two processes) at once', async () => {
    const second = createDb({ url: env.config.database.url, schema: env.schema, poolSize: 10, applicationName: 'backpressure-second-process' });
    try {
      const network = await env.store.networks.create('tenant-race', CreateNetworkBody.parse({ name: 'Race' }));
      const tasks = await Promise.all(Array.from({ length: 60 }, (_, i) => env.store.tasks.create('tenant-race', network.id, SubmitTaskBody.parse({ task: `Race ${i}` }))));
      const repositories = [env.store.tasks.withQueuedCap(7), createStore(second).tasks.withQueuedCap(7)];
      const outcomes = await Promise.allSettled(tasks.map((task, i) => repositories[i % 2]!.markQueued('tenant-race', task!.id)));
      expect(outcomes.filter((o) => o.status === 'fulfilled' && o.value !== null)).toHaveLength(7);
      const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
      expect(refused).toHaveLength(53);
      expect(refused.every((o) => o.reason instanceof QueuedTaskCapError)).toBe(true);
      expect(await env.store.tasks.countUnfinished('tenant-race')).toBe(7);
    } finally {
      await second.close();
    }
  });

  it(`starts exactly ${CAP} of ${SUBMISSIONS} concurrent submissions across two API processes, refuses the rest with 429, drains them, and every process stays within memory`, async () => {
    // One specialist: the drain afterwards costs a coordinator step, one subtask and a synthesis per task.
    const network = await post(apis[0]!.url, '/networks', { name: 'Burst', agents: [{ name: 'Copywriter', type: 'content' }] });
    expect(network.status).toBe(201);
    const networkId = network.body.id as string;
    const baseline = (await env.db.query<{ count: string }>('SELECT count(*) FROM tasks')).rows[0]?.count;

    const burst = sampleRss([...apis, ...engines]);
    const statuses = new Map<number, number>();
    const refusals: { retryAfter: string | undefined; code: string | undefined; message: string | undefined }[] = [];
    const accepted: string[] = [];
    let next = 0;
    try {
      await Promise.all(
        Array.from({ length: IN_FLIGHT }, async (_, lane) => {
          const url = apis[lane % apis.length]!.url;
          while (next < SUBMISSIONS) {
            const n = next++;
            const res = await post(url, `/networks/${networkId}/tasks`, { task: `Burst task ${n}`, process: true });
            statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
            if (res.status === 201) accepted.push(res.body.id);
            else if (res.status === 429) {
              const parsed = ErrorBody.parse(res.body);
              refusals.push({ retryAfter: res.retryAfter, code: parsed.error.code, message: parsed.error.message });
            }
          }
        }),
      );
    } finally {
      burst.stop();
    }

    expect(Object.fromEntries(statuses)).toEqual({ 201: CAP, 429: SUBMISSIONS - CAP });
    expect(refusals.every((r) => r.code === 'rate_limited' && Number(r.retryAfter) >= 1 && /queued or running \(limit 500\)/.test(r.message ?? ''))).toBe(true);

    // Exactly the accepted tasks exist, all queued: refusals stored nothing, the cap was never passed.
    const { rows } = await env.db.query<{ status: string; count: string }>('SELECT status, count(*) FROM tasks WHERE network_id = $1 GROUP BY status', [networkId]);
    expect(Object.fromEntries(rows.map((r) => [r.status, Number(r.count)]))).toEqual({ queued: CAP });
    expect((await env.db.query<{ count: string }>('SELECT count(*) FROM tasks')).rows[0]?.count).toBe(String(Number(baseline) + CAP));
    expect(new Set(accepted).size).toBe(CAP);

    // Another tenant is not held back by tenant A's cap; A's next submission still is.
    expect((await post(apis[1]!.url, '/networks', { name: 'Other tenant' }, KEY_B)).status).toBe(201);
    expect((await post(apis[1]!.url, `/networks/${networkId}/tasks`, { task: 'One more', process: true })).status).toBe(429);

    // Bounded memory through the burst, and every process still healthy.
    expectRssBelow(burst.peaks, apis.map((a) => a.proc.name), MAX_API_RSS_BYTES, 'burst');
    expectRssBelow(burst.peaks, engines.map((e) => e.proc.name), MAX_ENGINE_RSS_BYTES, 'burst');
    for (const api of apis) expect((await fetch(`${api.url}/api/mesh/health`)).status).toBe(200);

    // The drain: the coordinator and the worker run the 500 queued tasks to the end, within memory.
    const drain = sampleRss([...apis, ...engines]);
    const drainStartedAt = Date.now();
    let unfinished: Record<string, number> = {};
    try {
      await queues.coordinator.resume();
      const until = Date.now() + DRAIN_TIMEOUT_MS;
      for (;;) {
        const { rows: open } = await env.db.query<{ status: string; count: string }>(
          "SELECT status, count(*) FROM tasks WHERE network_id = $1 AND status NOT IN ('completed', 'failed', 'timed_out', 'cancelled') GROUP BY status",
          [networkId],
        );
        unfinished = Object.fromEntries(open.map((r) => [r.status, Number(r.count)]));
        if (open.length === 0 || Date.now() > until) break;
        await new Promise((r) => setTimeout(r, 500));
      }
    } finally {
      drain.stop();
    }
    if (process.env.MESH_TEST_LOG) console.log(`drained ${CAP} tasks in ${Date.now() - drainStartedAt} ms`);
    expect(unfinished).toEqual({});
    const { rows: ended } = await env.db.query<{ status: string; count: string }>('SELECT status, count(*) FROM tasks WHERE network_id = $1 GROUP BY status', [networkId]);
    expect(Object.fromEntries(ended.map((r) => [r.status, Number(r.count)]))).toEqual({ completed: CAP });
    expectRssBelow(drain.peaks, apis.map((a) => a.proc.name), MAX_API_RSS_BYTES, 'drain');
    expectRssBelow(drain.peaks, engines.map((e) => e.proc.name), MAX_ENGINE_RSS_BYTES, 'drain');
    for (const engine of engines) {
      expect({ process: engine.proc.name, exitCode: engine.proc.child.exitCode, ready: (await fetch(`${engine.url}/readyz`)).status }).toEqual({ process: engine.proc.name, exitCode: null, ready: 200 });
    }
  }, 300_000);
});
