import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { once } from 'node:events';
import { Health } from '@mesh/core';
import { createTestEnv, type TestEnv } from '@mesh/testing';
import { client } from './api-harness';

const MAIN = join(__dirname, '..', 'dist', 'main.js');

let t: TestEnv;
beforeAll(async () => {
  if (!existsSync(MAIN)) {
    throw new Error(`${MAIN} is missing: build first (npx turbo run build --filter=@mesh/api, or ./scripts/test which builds before jest)`);
  }
  t = await createTestEnv('api-process');
});
afterAll(async () => {
  await t?.cleanup();
});

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function startApi(env: Record<string, string>): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [MAIN], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** The bound URL from the process's `api listening` log line (rejects if it exits first). */
function listening(api: ReturnType<typeof startApi>): Promise<string> {
  return new Promise((resolve, reject) => {
    const onData = () => {
      for (const line of api.output().split('\n')) {
        let entry: { message?: unknown; url?: unknown };
        try {
          entry = JSON.parse(line) as typeof entry;
        } catch {
          continue;
        }
        if (entry.message === 'api listening' && typeof entry.url === 'string') {
          api.child.stdout?.off('data', onData);
          resolve(entry.url);
          return;
        }
      }
    };
    api.child.stdout?.on('data', onData);
    void api.exited.then((code) => reject(new Error(`the API exited with ${code} before listening:\n${api.output()}`)));
  });
}

describe('the API process', () => {
  it('serves health and authenticated requests, and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const api = startApi({ ...t.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info' });
    try {
      const url = await listening(api);
      expect(url).toBe(`http://127.0.0.1:${port}`);
      const call = client(url);
      const health = await call('GET', '/health', { key: null });
      expect(health.status).toBe(200);
      expect(Health.parse(health.body).redis_connection).toBe('connected');
      const created = await call('POST', '/networks', { json: { name: 'From the process' } });
      expect(created.status).toBe(201);
      expect((await call('GET', '/networks', { key: null })).status).toBe(401);
      api.child.kill('SIGTERM');
      expect(await api.exited).toBe(0);
    } finally {
      if (api.child.exitCode === null) api.child.kill('SIGKILL');
    }
  });

  it('exits 1 naming the variable when the configuration is bad', async () => {
    const api = startApi({ ...t.env, PORT: 'eighty' });
    expect(await api.exited).toBe(1);
    expect(api.output()).toContain('PORT');
  });
});
