import { freePort, openTcpProxy, TEST_DATABASE_URL } from '@mesh/testing';
import { dropSchema, loadMigrations, migrateWhenReachable } from './migrate';
import { isTransientPgError } from './pg-errors';

const SCHEMA = `t_migrate_wait_${process.pid}`;

afterAll(async () => {
  await dropSchema(TEST_DATABASE_URL, SCHEMA).catch(() => {});
});

describe('migrateWhenReachable', () => {
  it('waits for a Postgres that is not there yet, then migrates', async () => {
    const port = await freePort();
    const retries: number[] = [];
    let closeProxy: (() => Promise<void>) | undefined;
    const back = setTimeout(() => void openTcpProxy(port).then((close) => (closeProxy = close)), 1_200);
    const started = Date.now();
    try {
      const applied = await migrateWhenReachable(
        { url: `postgres://postgres@127.0.0.1:${port}/postgres`, schema: SCHEMA },
        { waitMs: 20_000, onRetry: (_err, attempt) => retries.push(attempt) },
      );
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
      expect(retries.length).toBeGreaterThan(0);
      expect(applied).toEqual(loadMigrations().map((m) => m.version));
    } finally {
      clearTimeout(back);
      await closeProxy?.();
    }
  });

  it('gives up after its wait, and fails at once on an error that is not about reachability', async () => {
    const port = await freePort();
    const started = Date.now();
    await expect(migrateWhenReachable({ url: `postgres://postgres@127.0.0.1:${port}/postgres`, schema: SCHEMA }, { waitMs: 600 })).rejects.toThrow(/ECONNREFUSED/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);

    const retries: unknown[] = [];
    await expect(
      migrateWhenReachable({ url: 'postgres://postgres@127.0.0.1:5432/no_such_database_here', schema: SCHEMA }, { waitMs: 20_000, onRetry: (err) => retries.push(err) }),
    ).rejects.toThrow(/does not exist/);
    expect(retries).toEqual([]);
  });

  it('tells transient failures from the rest', () => {
    expect(isTransientPgError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isTransientPgError(Object.assign(new Error('the database system is starting up'), { code: '57P03' }))).toBe(true);
    expect(isTransientPgError(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))).toBe(true);
    expect(isTransientPgError(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isTransientPgError(Object.assign(new Error('password authentication failed'), { code: '28P01' }))).toBe(false);
    expect(isTransientPgError(Object.assign(new Error('syntax error'), { code: '42601' }))).toBe(false);
  });
});
