import { Client } from 'pg';
import { CreateNetworkBody } from '@mesh/core';
import { createTestEnv, startPgBouncer, TEST_DATABASE_URL, type PgBouncer, type TestEnv } from '@mesh/testing';
import { createDb, type Db } from './db';
import { LeaderLock } from './leader-lock';
import { createStore } from './store';

/**
 * The store behind a real PgBouncer in transaction pooling (three server connections for many
 * clients): the schema comes from the pooler's connect_query, prepared statements are off, and
 * the leader's advisory lock holds a session of its own, directly on Postgres.
 */

let t: TestEnv;
let bouncer: PgBouncer;
const opened: Db[] = [];

function throughBouncer(database = 'mesh', extra: Partial<Parameters<typeof createDb>[0]> = {}): Db {
  const db = createDb({ url: bouncer.url(database), schema: t.schema, poolSize: 8, transactionPooling: true, preparedStatements: false, sessionUrl: TEST_DATABASE_URL, ...extra });
  opened.push(db);
  return db;
}

beforeAll(async () => {
  t = await createTestEnv('pgbouncer-store');
  bouncer = await startPgBouncer({ databases: [{ name: 'mesh', searchPath: t.schema }, { name: 'plain' }], poolSize: 3 });
});
afterAll(async () => {
  await Promise.all(opened.map((db) => db.close().catch(() => {})));
  await bouncer?.stop();
  await t?.cleanup();
});

describe('the store behind PgBouncer in transaction pooling', () => {
  it('works inside the schema the pooler sets, and many concurrent queries and transactions share three server connections', async () => {
    const db = throughBouncer();
    await expect(db.checkSchema()).resolves.toBeUndefined();
    const store = createStore(db);
    const network = await store.networks.create('tenant-a', CreateNetworkBody.parse({ name: 'Behind PgBouncer', description: 'transaction pooling' }));
    // Concurrent reads and transactions from 8 pooled clients over 3 server connections.
    const reads = await Promise.all(Array.from({ length: 40 }, () => store.networks.get('tenant-a', network.id)));
    expect(reads.every((n) => n?.id === network.id)).toBe(true);
    const counted = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        db.transaction(async (tx) => {
          await tx.query(`UPDATE networks SET description = $1 WHERE id = $2`, [`write ${i}`, network.id]);
          return (await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM networks WHERE id = $1', [network.id])).rows[0]!.n;
        }),
      ),
    );
    expect(counted).toEqual(Array(10).fill(1));
    const pools = await bouncer.admin('SHOW POOLS');
    const mesh = pools.find((p) => p.database === 'mesh');
    expect(Number(mesh?.sv_active ?? 0) + Number(mesh?.sv_idle ?? 0) + Number(mesh?.sv_used ?? 0)).toBeLessThanOrEqual(3);
    const stats = await bouncer.admin('SHOW STATS');
    expect(Number(stats.find((s) => s.database === 'mesh')?.total_xact_count ?? 0)).toBeGreaterThanOrEqual(50);
  });

  it('refuses to start in the wrong schema, naming the fix, when the pooler does not set the search_path', async () => {
    const db = throughBouncer('plain');
    await expect(db.checkSchema()).rejects.toThrow(new RegExp(`not MESH_DB_SCHEMA="${t.schema}".*connect_query='SET search_path TO ${t.schema}'`));
  });

  it("keeps the leader's advisory lock on a session of its own: taken once, and free again as soon as the leader's session ends", async () => {
    const a = new LeaderLock(throughBouncer(), 'sweeper');
    const b = new LeaderLock(throughBouncer(), 'sweeper');
    expect(await a.tryAcquire()).toBe(true);
    expect(await b.tryAcquire()).toBe(false);
    // The lock's session is a direct connection (application_name …-session), not one of PgBouncer's.
    const direct = new Client({ connectionString: TEST_DATABASE_URL });
    await direct.connect();
    try {
      const { rows } = await direct.query<{ pid: number; application_name: string }>(
        `SELECT a.pid, a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
          WHERE l.locktype = 'advisory' AND l.granted AND l.objid = (hashtext($1)::bigint & 4294967295)::oid`,
        [`agent-mesh:${t.schema}:sweeper`],
      );
      expect(rows).toHaveLength(1);
      expect(rows[0]!.application_name).toMatch(/-session$/);
      // The leader's process dies: its session ends with it.
      await direct.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
    } finally {
      await direct.end();
    }
    const until = Date.now() + 5_000;
    let taken = false;
    while (!taken && Date.now() < until) {
      taken = await b.tryAcquire();
      if (!taken) await new Promise((r) => setTimeout(r, 50));
    }
    expect(taken).toBe(true);
    expect(await a.tryAcquire()).toBe(false);
    await b.release();
  });
});
