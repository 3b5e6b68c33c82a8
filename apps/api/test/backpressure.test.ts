import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { CreateNetworkBody, ErrorBody, QueuedTaskCapError, SubmitTaskBody } from '@mesh/core';
import { createDb, createStore } from '@mesh/store';
import { createTestEnv, freePort, launchApp, type LaunchedProcess, type TestEnv } from '@mesh/testing';
import { KEY_A, KEY_B } from './api-harness';

/**
 * Backpressure under a burst: 10,000 task submissions (`"process": true`), 200 in flight at a
 * time, spread over two API processes, against a per-tenant cap of 500 unfinished tasks. Exactly
 * 500 start — the cap holds under concurrency and across processes — the rest answer 429 with
 * Retry-After and store nothing, nothing answers 5xx, and each API process's resident memory
 * stays bounded while it happens.
 */

const CAP = 500;
const SUBMISSIONS = 10_000;
const IN_FLIGHT = 200;
/** Generous: a bound on growth under load, not a measurement. */
const MAX_RSS_BYTES = 300 * 1024 * 1024;

let env: TestEnv;
const apis: { proc: LaunchedProcess; url: string }[] = [];

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

async function waitUntilLive(api: { proc: LaunchedProcess; url: string }): Promise<void> {
  const until = Date.now() + 30_000;
  for (;;) {
    if (api.proc.child.exitCode !== null) throw new Error(`${api.proc.name} exited:\n${api.proc.lines.join('\n')}`);
    const live = await fetch(`${api.url}/livez`).then((r) => r.ok, () => false);
    if (live) return;
    if (Date.now() > until) throw new Error(`${api.proc.name} did not start:\n${api.proc.lines.join('\n')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  env = await createTestEnv('backpressure', { MESH_MAX_QUEUED_TASKS_PER_TENANT: String(CAP), MESH_RATE_LIMIT_PER_MINUTE: '0' });
  const ports = await Promise.all([freePort(), freePort()]);
  // Logging at warn: 10,000 access-log lines would cost more than the requests. Ready when /livez answers.
  const procs = await Promise.all(ports.map((port, i) => launchApp('api', { ...env.env, PORT: String(port), HOST: '127.0.0.1' }, { name: `api-${i}`, logLevel: 'warn', waitReady: false })));
  procs.forEach((proc, i) => apis.push({ proc, url: `http://127.0.0.1:${ports[i]}` }));
  await Promise.all(apis.map((api) => waitUntilLive(api)));
}, 60_000);

afterAll(async () => {
  agent.destroy();
  await Promise.all(apis.map((a) => a.proc.stop(5_000)));
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
      expect(await env.store.tasks.countQueuedForTenant('tenant-race')).toBe(7);
    } finally {
      await second.close();
    }
  });

  it(`starts exactly ${CAP} of ${SUBMISSIONS} concurrent submissions across two API processes, refuses the rest with 429, and stays within memory`, async () => {
    const network = await post(apis[0]!.url, '/networks', { name: 'Burst' });
    expect(network.status).toBe(201);
    const networkId = network.body.id as string;
    const baseline = (await env.db.query<{ count: string }>('SELECT count(*) FROM tasks')).rows[0]?.count;

    const peakRss = apis.map(() => 0);
    const sampler = setInterval(() => apis.forEach((a, i) => (peakRss[i] = Math.max(peakRss[i]!, rssBytes(a.proc.child.pid!)))), 50);
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
      clearInterval(sampler);
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

    // Bounded memory, and both processes still healthy.
    for (const [i, api] of apis.entries()) {
      const peakRssMb = Math.round(peakRss[i]! / 1048576);
      expect({ api: i, peakRssMb, bounded: peakRss[i]! > 0 && peakRss[i]! < MAX_RSS_BYTES }).toEqual({ api: i, peakRssMb, bounded: true });
      if (process.env.MESH_TEST_LOG) console.log(`api-${i} peak RSS ${peakRssMb} MB`);
      expect((await fetch(`${api.url}/api/mesh/health`)).status).toBe(200);
    }
  }, 150_000);
});
