import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { assertIdentifier } from './db';
import { whileUnreachable } from './pg-errors';

export const MIGRATIONS_DIR = join(__dirname, '..', 'migrations');

export interface Migration {
  version: string;
  sql: string;
}

export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: f.replace(/\.sql$/, ''), sql: readFileSync(join(dir, f), 'utf8') }));
}

/**
 * Applies pending migrations to `schema`, in one transaction per run, under a transaction-level
 * advisory lock keyed by the schema name: processes that start together queue up on the lock,
 * and the later ones find nothing left to do.
 */
export async function migrate(options: { url: string; schema: string; migrations?: Migration[] }): Promise<string[]> {
  assertIdentifier(options.schema);
  const migrations = options.migrations ?? loadMigrations();
  const client = new Client({ connectionString: options.url });
  client.on('error', () => {});
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('agent-mesh:migrate:' || $1::text))`, [options.schema]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${options.schema}"`);
    await client.query(`SET LOCAL search_path TO "${options.schema}"`);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set((await client.query<{ version: string }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
    const applied: string[] = [];
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      await client.query(m.sql);
      await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [m.version]);
      applied.push(m.version);
    }
    await client.query('COMMIT');
    return applied;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    await client.end();
  }
}

/**
 * migrate, waiting for Postgres while it is unreachable or restarting (up to `waitMs`, retrying
 * with backoff and calling `onRetry` each time). A process that starts while the database
 * restarts comes up when the database does, instead of exiting; other errors fail at once.
 */
export async function migrateWhenReachable(
  options: { url: string; schema: string; migrations?: Migration[] },
  wait: { waitMs: number; onRetry?: (err: unknown, attempt: number) => void },
): Promise<string[]> {
  return whileUnreachable(() => migrate(options), wait);
}

/** Drops a schema and everything in it (tests). */
export async function dropSchema(url: string, schema: string): Promise<void> {
  assertIdentifier(schema);
  const client = new Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
