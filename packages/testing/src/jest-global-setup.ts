import { Client } from 'pg';
import { Redis } from 'ioredis';

/**
 * Runs once before the suite: fails fast with a clear message when Redis or Postgres is not
 * reachable, and drops test schemas left behind by runs that were killed more than an hour ago.
 */
export default async function globalSetup(): Promise<void> {
  const redis = new Redis('redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    throw new Error(`Tests need Redis at 127.0.0.1:6379 (run ../shared/services-up or start redis-server): ${String(err)}`);
  } finally {
    redis.disconnect();
  }
  const pg = new Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
  try {
    await pg.connect();
  } catch (err) {
    throw new Error(`Tests need PostgreSQL at 127.0.0.1:5432 (user postgres, trust auth): ${String(err)}`);
  }
  try {
    const { rows } = await pg.query<{ nspname: string }>(
      `SELECT n.nspname FROM pg_namespace n
       WHERE n.nspname LIKE 't\\_%' AND NOT EXISTS (
         SELECT 1 FROM pg_stat_activity a WHERE a.application_name = 'test:' || n.nspname)`,
    );
    for (const { nspname } of rows) {
      const created = await pg.query<{ applied_at: Date }>(`SELECT min(applied_at) AS applied_at FROM "${nspname}".schema_migrations`).catch(() => null);
      const at = created?.rows[0]?.applied_at;
      if (at && Date.now() - at.getTime() > 3_600_000) await pg.query(`DROP SCHEMA IF EXISTS "${nspname}" CASCADE`);
    }
  } finally {
    await pg.end();
  }
}
