import { createTestEnv, type TestEnv } from '@mesh/testing';
import { createDb, type Db } from './db';
import { withWorkPriority } from './work-priority';

let t: TestEnv;
let db: Db;
beforeAll(async () => {
  t = await createTestEnv('db-priority');
  db = createDb({ url: t.config.database.url, schema: t.schema, poolSize: 1, applicationName: 'test:db-priority' });
});
afterAll(async () => {
  await db.close();
  await t.cleanup();
});

describe('the Postgres pool under work priorities', () => {
  it('hands a freed connection to the most urgent waiting query, whatever the order they came in', async () => {
    let finishHolder!: () => void;
    const held = new Promise<void>((resolve) => (finishHolder = resolve));
    // The one connection is busy in a transaction while the others queue up.
    const holder = db.transaction(async (tx) => {
      await tx.query('SELECT 1');
      await held;
    });
    await new Promise((r) => setTimeout(r, 50));
    const order: string[] = [];
    const run = (priority: number, label: string) =>
      withWorkPriority(priority, () => db.query<{ label: string }>('SELECT $1::text AS label', [label])).then((r) => void order.push(r.rows[0]!.label));
    const queries = [run(7, 'burst-1'), run(7, 'burst-2'), run(7, 'burst-3'), run(0, 'quiet')];
    await new Promise((r) => setTimeout(r, 50));
    finishHolder();
    await holder;
    await Promise.all(queries);
    expect(order).toEqual(['quiet', 'burst-1', 'burst-2', 'burst-3']);
  });

  it('fails a wait longer than connectionWaitMs, and serves the next query once the connection is free', async () => {
    const short = createDb({ url: t.config.database.url, schema: t.schema, poolSize: 1, connectionWaitMs: 100 });
    try {
      let release!: () => void;
      const busy = short.transaction(async (tx) => {
        await tx.query('SELECT 1');
        await new Promise<void>((resolve) => (release = resolve));
      });
      await new Promise((r) => setTimeout(r, 30));
      await expect(short.query('SELECT 1')).rejects.toThrow(/timeout exceeded when trying to connect/);
      release();
      await busy;
      await expect(short.query<{ n: number }>('SELECT 2 AS n')).resolves.toMatchObject({ rows: [{ n: 2 }] });
    } finally {
      await short.close();
    }
  });

  it('survives a connection lost in the middle of a transaction: the next statement fails, the process goes on, the pool serves again', async () => {
    const other = createDb({ url: t.config.database.url, schema: t.schema, poolSize: 1 });
    try {
      const outcome = db.transaction(async (tx) => {
        const { rows } = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        // Killed while this transaction does other work between two statements (as the embedding job does).
        await other.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
        await new Promise((r) => setTimeout(r, 200));
        await tx.query('SELECT 1');
      });
      await expect(outcome).rejects.toThrow();
      await expect(db.query<{ n: number }>('SELECT 3 AS n')).resolves.toMatchObject({ rows: [{ n: 3 }] });
    } finally {
      await other.close();
    }
  });
});
