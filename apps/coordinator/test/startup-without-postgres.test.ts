/**
 * A coordinator or worker that starts while Postgres is unreachable (restarting, failing over)
 * waits for it and comes up when it is back, instead of exiting: nothing would restart it in a
 * plain deployment, and its queues would stall.
 */
import { createTestEnv, freePort, launchApp, openTcpProxy, type LaunchedProcess, type TestEnv } from '@mesh/testing';

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv('startup_wait');
});
afterAll(async () => {
  await env.cleanup();
});

it('starts a coordinator and a worker before Postgres is reachable; both wait, then come up when it is', async () => {
  const port = await freePort();
  const processEnv = { ...env.env, DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/postgres` };
  const processes: LaunchedProcess[] = [];
  let closeProxy: (() => Promise<void>) | undefined;
  try {
    processes.push(await launchApp('coordinator', processEnv, { waitReady: false }));
    processes.push(await launchApp('worker', processEnv, { args: ['--agents', 'all'], waitReady: false }));
    for (const p of processes) await p.waitForLine(/waiting for Postgres/, 30_000);
    let exited = false;
    for (const p of processes) void p.exited.then(() => (exited = true));
    await new Promise((r) => setTimeout(r, 1_000));
    expect(exited).toBe(false);

    closeProxy = await openTcpProxy(port);
    await processes[0]!.waitForLine(/"message":"coordinator ready"/, 30_000);
    await processes[1]!.waitForLine(/"message":"worker ready"/, 30_000);
    expect(exited).toBe(false);
  } finally {
    await Promise.all(processes.map((p) => p.stop(5_000)));
    await closeProxy?.();
  }
});
