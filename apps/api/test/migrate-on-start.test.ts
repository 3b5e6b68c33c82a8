/**
 * Migrations at process start (MESH_MIGRATE_ON_START, the default): API processes that start
 * together on an empty schema queue up on the advisory lock; all become ready, and every
 * migration is applied exactly once.
 */
import { dropSchema, loadMigrations } from '@mesh/store';
import { createApiClient, createTestEnv, freePort, launchApp, TEST_DATABASE_URL, type LaunchedProcess, type TestEnv } from '@mesh/testing';

let t: TestEnv;
/** A schema nobody has migrated: the processes create it. */
let freshSchema: string;
const processes: LaunchedProcess[] = [];

beforeAll(async () => {
  t = await createTestEnv('migrate-on-start');
  freshSchema = `${t.schema}_fresh`;
});

afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop()));
  await dropSchema(TEST_DATABASE_URL, freshSchema).catch(() => {});
  await t?.cleanup();
});

describe('migrations at process start', () => {
  it('two API processes started together on an empty schema both become ready, and each migration is applied once', async () => {
    const before = await t.db.query<{ n: string }>('SELECT count(*) AS n FROM pg_namespace WHERE nspname = $1', [freshSchema]);
    expect(Number(before.rows[0]!.n)).toBe(0);

    const env = { ...t.env, MESH_DB_SCHEMA: freshSchema, HOST: '127.0.0.1' };
    const [portA, portB] = [await freePort(), await freePort()];
    const started = await Promise.allSettled([
      launchApp('api', { ...env, PORT: String(portA) }, { name: 'api-a', readyTimeoutMs: 40_000 }),
      launchApp('api', { ...env, PORT: String(portB) }, { name: 'api-b', readyTimeoutMs: 40_000 }),
    ]);
    for (const s of started) if (s.status === 'fulfilled') processes.push(s.value);
    expect(started.map((s) => (s.status === 'fulfilled' ? 'ready' : String(s.reason)))).toEqual(['ready', 'ready']);

    const { rows } = await t.db.query<{ version: string; n: string }>(`SELECT version, count(*) AS n FROM "${freshSchema}".schema_migrations GROUP BY version ORDER BY version`);
    const versions = loadMigrations().map((m) => m.version);
    expect(versions.length).toBeGreaterThan(0);
    expect(rows.map((r) => [r.version, Number(r.n)])).toEqual(versions.map((v) => [v, 1]));

    // One process applied them all; the other found nothing left to do.
    const applied = processes.map((p) => p.lines.filter((l) => l.includes('"message":"migrations applied"')));
    expect(applied.map((lines) => lines.length).sort()).toEqual([0, 1]);
    expect((JSON.parse(applied.flat()[0]!) as { versions: string[] }).versions).toEqual(versions);

    // Both serve requests from the migrated schema.
    for (const port of [portA, portB]) {
      const created = await createApiClient(`http://127.0.0.1:${port}`, 'key-tenant-a-123').request('POST', '/networks', { name: `Via ${port}` });
      expect(created.status).toBe(201);
    }
    const networks = await t.db.query<{ n: string }>(`SELECT count(*) AS n FROM "${freshSchema}".networks`);
    expect(Number(networks.rows[0]!.n)).toBe(2);

    for (const p of processes) expect((await p.stop()).code).toBe(0);
  }, 90_000);
});
