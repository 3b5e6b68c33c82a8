import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from './api-client';

/** Debian's pgbouncer (`apt-get install pgbouncer`; ./scripts/test installs it when missing). */
export const PGBOUNCER = '/usr/sbin/pgbouncer';

export interface PgBouncerDatabase {
  /** The name clients connect to. */
  name: string;
  /** The search_path every server connection of this entry gets (connect_query); none: the server's default. */
  searchPath?: string;
}

export interface PgBouncer {
  port: number;
  /** A client URL for one of the configured databases (user postgres, trust). */
  url(database: string): string;
  /** Runs an admin console command (SHOW POOLS, SHOW STATS, …) and returns its rows. */
  admin(command: string): Promise<Record<string, unknown>[]>;
  stop(): Promise<void>;
}

/**
 * A real PgBouncer on a free loopback port in front of the local Postgres (trust auth), in
 * transaction pooling with few server connections, so that consecutive statements of one client
 * really do land on different server connections. Each database entry points at the `postgres`
 * database and may set the search_path of its server connections (how an operator gives a
 * transaction pool a schema). Started as the postgres user (PgBouncer refuses to run as root);
 * stop() ends it and removes its files.
 */
export async function startPgBouncer(options: { databases: PgBouncerDatabase[]; poolSize?: number; poolMode?: 'transaction' | 'session' }): Promise<PgBouncer> {
  if (!existsSync(PGBOUNCER)) throw new Error(`${PGBOUNCER} is missing: install Debian's pgbouncer with \`apt-get install -y pgbouncer\` (./scripts/test installs it when missing)`);
  const dir = mkdtempSync(join(tmpdir(), 'mesh-pgbouncer-'));
  chmodSync(dir, 0o777);
  const port = await freePort();
  const entries = options.databases.map((db) => {
    const connectQuery = db.searchPath ? ` connect_query='SET search_path TO ${db.searchPath}'` : '';
    return `${db.name} = host=127.0.0.1 port=5432 dbname=postgres user=postgres${connectQuery}`;
  });
  writeFileSync(join(dir, 'users.txt'), '"postgres" ""\n');
  writeFileSync(
    join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      ...entries,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${join(dir, 'users.txt')}`,
      `pool_mode = ${options.poolMode ?? 'transaction'}`,
      `default_pool_size = ${options.poolSize ?? 3}`,
      'max_client_conn = 500',
      'admin_users = postgres',
      // node-postgres sends it; PgBouncer may ignore it (it changes no semantics).
      'ignore_startup_parameters = extra_float_digits',
      `logfile = ${join(dir, 'pgbouncer.log')}`,
      `pidfile = ${join(dir, 'pgbouncer.pid')}`,
      '',
    ].join('\n'),
  );
  for (const file of ['users.txt', 'pgbouncer.ini']) chmodSync(join(dir, file), 0o644);
  const ini = join(dir, 'pgbouncer.ini');
  const child: ChildProcess = spawn(PGBOUNCER, process.getuid?.() === 0 ? ['-u', 'postgres', ini] : [ini], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const log = () => (existsSync(join(dir, 'pgbouncer.log')) ? readFileSync(join(dir, 'pgbouncer.log'), 'utf8') : '') + stderr;
  const until = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`pgbouncer exited at start (${child.exitCode}): ${log()}`);
    if (await accepts(port)) break;
    if (Date.now() > until) {
      child.kill('SIGKILL');
      throw new Error(`pgbouncer did not listen on ${port} within 10 s: ${log()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const url = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  return {
    port,
    url,
    async admin(command) {
      const client = new Client({ connectionString: url('pgbouncer') });
      await client.connect();
      try {
        // The admin console speaks the simple query protocol only: no parameters.
        return (await client.query(command)).rows as Record<string, unknown>[];
      } finally {
        await client.end().catch(() => {});
      }
    },
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 3_000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
