/**
 * The worker process's arguments, end to end: built dist, real Redis and Postgres. The parser
 * leaves the concurrency unset without --concurrency; the process must then take it from
 * MESH_WORKER_CONCURRENCY, and a bad argument must stop it with a usage message.
 */
import { createTestEnv, launch, launchApp, appEntry, type LaunchedProcess, type TestEnv } from '@mesh/testing';

let env: TestEnv;
const processes: LaunchedProcess[] = [];

beforeAll(async () => {
  env = await createTestEnv('worker-args');
});

afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop()));
  await env?.cleanup();
});

/** The concurrency each agent type's BullMQ worker got, from the `serving agent type` lines. */
function servedConcurrency(proc: LaunchedProcess): Record<string, unknown> {
  const served: Record<string, unknown> = {};
  for (const line of proc.lines) {
    let entry: { message?: unknown; agent_type?: unknown; concurrency?: unknown };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      continue;
    }
    if (entry.message === 'serving agent type') served[String(entry.agent_type)] = entry.concurrency;
  }
  return served;
}

describe('the worker process', () => {
  it('takes its concurrency from MESH_WORKER_CONCURRENCY when --concurrency is absent', async () => {
    const worker = await launchApp('worker', { ...env.env, MESH_WORKER_CONCURRENCY: '3' }, { args: ['--agents', 'content,design'], name: 'worker-default' });
    processes.push(worker);
    expect(servedConcurrency(worker)).toEqual({ content: 3, design: 3 });
    // SIGTERM right on the ready line drains and exits 0 (it used to arrive before the handler existed).
    expect(await worker.stop()).toEqual({ code: 0, signal: null });
  });

  it('--concurrency wins over MESH_WORKER_CONCURRENCY', async () => {
    const worker = await launchApp('worker', { ...env.env, MESH_WORKER_CONCURRENCY: '3' }, { args: ['--agents', 'research', '--concurrency', '4'], name: 'worker-flag' });
    processes.push(worker);
    expect(servedConcurrency(worker)).toEqual({ research: 4 });
    expect(await worker.stop()).toEqual({ code: 0, signal: null });
  });

  it.each([
    [['--concurrency', '0'], '--concurrency must be a whole number from 1 to 100000'],
    [['--agents', 'content,Not-A-Type'], '--agents must be "all" or a comma-separated list of specialist agent types (bad: Not-A-Type)'],
    [['--verbose'], "Unknown option '--verbose'"],
  ])('exits 2 with a usage message on %j', async (args, message) => {
    const worker = launch('worker-bad-args', process.execPath, [appEntry('worker'), ...args], { ...env.env, LOG_LEVEL: 'info' });
    processes.push(worker);
    expect((await worker.exited).code).toBe(2);
    expect(worker.lines.join('\n')).toContain(message);
    expect(worker.lines.some((l) => l.includes('worker ready'))).toBe(false);
  });
});
