/**
 * `./scripts/demo --keep` as a newcomer runs it: the walk-through, then the stack left running
 * with the console answering and the URLs, key and CLI commands printed; Ctrl-C (SIGINT) stops
 * every process it started and exits 0. A second run removes the first run's demo network
 * instead of piling up another.
 */
import { createTestEnv, freePort, launch, type LaunchedProcess, type TestEnv } from '@mesh/testing';

const KEY = 'demo-key-0123456789';
let env: TestEnv;
let demoEnv: Record<string, string>;

beforeAll(async () => {
  env = await createTestEnv('demo-keep');
  const [port, servicesPort] = [await freePort(), await freePort()];
  demoEnv = {
    ...env.env,
    PORT: String(port),
    MAILY_SERVICES_PORT: String(servicesPort),
    MESH_API_KEYS: `demo:${KEY}`,
    MESH_SIM_LATENCY_MS: '10',
    MESH_DB_SCHEMA: env.schema,
    MESH_QUEUE_PREFIX: env.config.queuePrefix,
  };
});

afterAll(async () => {
  await env?.cleanup();
});

async function demoNetworks(port: string): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/api/mesh/networks?limit=200`, { headers: { authorization: `Bearer ${KEY}` } });
  return ((await res.json()) as { networks: { name: string }[] }).networks.filter((n) => n.name === 'Email Campaign Assistant').length;
}

it('runs the walk-through, keeps the stack until SIGINT, then stops it cleanly; a rerun replaces its network', async () => {
  const first = launch('demo', 'bash', ['scripts/demo'], demoEnv);
  expect((await first.exited).code).toBe(0);
  expect(first.lines.join('\n')).toContain('Done.');

  const kept: LaunchedProcess = launch('demo-keep', 'bash', ['scripts/demo', '--keep'], demoEnv);
  await kept.waitForLine(/keeping the demo running/, 150_000);
  const output = kept.lines.join('\n');
  const port = demoEnv.PORT!;
  expect(output).toContain(`console     http://127.0.0.1:${port}/console/`);
  expect(output).toContain(`Bull Board  http://127.0.0.1:${port}/admin/queues`);
  expect(output).toContain(`API key     ${KEY}`);
  expect(output).toContain('npm run --silent mesh -- networks list');
  expect(output).toContain('(removed 1 network(s) of earlier demo runs)');
  const page = await fetch(`http://127.0.0.1:${port}/console/`, { headers: { authorization: `Basic ${Buffer.from(`demo:${KEY}`).toString('base64')}` } });
  expect(page.status).toBe(200);
  expect(await demoNetworks(port)).toBe(1);

  kept.kill('SIGINT');
  const exit = await kept.exited;
  expect(exit.code).toBe(0);
  expect(kept.lines.join('\n')).toMatch(/stopped; process logs are in/);
  // Every process it started is gone: the API no longer answers.
  await expect(fetch(`http://127.0.0.1:${port}/livez`)).rejects.toThrow();
}, 300_000);
