import { dirname, join } from 'node:path';
import { freePort } from './api-client';
import { launch, type LaunchedProcess } from './process-launcher';
import type { TestEnvOptions } from './test-env';

export interface PgliteServer {
  port: number;
  /** A client URL (user postgres, no password: PGlite's server does not authenticate). */
  url: string;
  /** What createTestEnv needs to work against this server: its URL, one connection, the search_path set by statement. */
  testEnvOptions: TestEnvOptions;
  process: LaunchedProcess;
  /** Ends the server (SIGTERM, SIGKILL after a grace period) and waits for its exit. */
  stop(): Promise<void>;
}

/**
 * PGlite (PostgreSQL compiled to WASM, in memory) with the pgvector extension, served on a free
 * loopback port by @electric-sql/pglite-socket's server in a child process: a real pgvector for
 * tests on machines whose PostgreSQL has none. PGlite is a single session, so the server takes
 * one connection at a time (`-m 1`; it refuses a second one rather than queue it) and the
 * environment's pool gets one connection. PGlite ignores the startup options, so the schema's
 * search_path is set by statement on each connection (testEnvOptions).
 */
export async function startPgliteServer(options: { readyTimeoutMs?: number } = {}): Promise<PgliteServer> {
  // The package exports only its entry point; its server script sits beside it.
  const script = join(dirname(require.resolve('@electric-sql/pglite-socket')), 'scripts', 'server.js');
  // The server imports the extension by package name: fail here, naming it, when it is missing.
  require.resolve('@electric-sql/pglite-pgvector');
  const port = await freePort();
  const proc = launch('pglite', process.execPath, [script, '--port', String(port), '--host', '127.0.0.1', '--extensions', '@electric-sql/pglite-pgvector:vector', '--max-connections', '1'], {});
  try {
    await proc.waitForLine(/PGLiteSocketServer listening on/, options.readyTimeoutMs ?? 30_000);
  } catch (err) {
    proc.kill('SIGKILL');
    await proc.exited;
    throw err;
  }
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return {
    port,
    url,
    testEnvOptions: { databaseUrl: url, poolSize: 1, setSearchPathOnConnect: true },
    process: proc,
    async stop() {
      await proc.stop(3_000);
    },
  };
}
