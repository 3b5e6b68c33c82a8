/**
 * `npm run migrate` as an operator runs it: the built CLI (packages/store/dist/cli/migrate.js)
 * in its own process, reading MESH_DB_SCHEMA and DATABASE_URL from the environment.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createTestEnv, REPO_ROOT, TEST_DATABASE_URL, type TestEnv } from '@mesh/testing';
import { dropSchema, loadMigrations } from '../migrate';

const CLI = join(REPO_ROOT, 'packages', 'store', 'dist', 'cli', 'migrate.js');

let t: TestEnv;
/** Empty until the CLI creates it. */
let schema: string;

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (./scripts/test does)`);
  t = await createTestEnv('migrate-cli');
  schema = `${t.schema}_cli`;
});

afterAll(async () => {
  await dropSchema(TEST_DATABASE_URL, schema).catch(() => {});
  await t?.cleanup();
});

function npmRunMigrate(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'npm',
      ['run', 'migrate'],
      { cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr }),
    );
  });
}

async function tablesOf(name: string): Promise<string[]> {
  const { rows } = await t.db.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE' ORDER BY 1`,
    [name],
  );
  return rows.map((r) => r.table_name);
}

/** Everything a migration can change: tables, columns, indexes, constraints and the applied versions. */
async function schemaSnapshot(): Promise<Record<string, unknown[]>> {
  const q = async (sql: string) => (await t.db.query(sql, [schema])).rows;
  return {
    columns: await q(`SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns WHERE table_schema = $1 ORDER BY 1, 2`),
    indexes: await q(`SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = $1 ORDER BY 1, 2`),
    constraints: await q(`SELECT table_name, constraint_name, constraint_type FROM information_schema.table_constraints WHERE table_schema = $1 ORDER BY 1, 2`),
    migrations: (await t.db.query(`SELECT version, applied_at FROM "${schema}".schema_migrations ORDER BY version`)).rows,
  };
}

describe('npm run migrate', () => {
  it('on an empty schema exits 0 and creates the tables; a second run exits 0 and changes nothing', async () => {
    const env = { ...t.env, MESH_DB_SCHEMA: schema };
    const versions = loadMigrations().map((m) => m.version);

    const first = await npmRunMigrate(env);
    // toMatchObject prints stdout and stderr when the exit code is wrong.
    expect(first).toMatchObject({ code: 0 });
    expect(first.stdout).toContain(`migrated schema "${schema}": ${versions.join(', ')}`);
    // The same tables as the test env's schema, which migrate() built in-process.
    expect(await tablesOf(schema)).toEqual(await tablesOf(t.schema));
    expect(await tablesOf(schema)).toEqual(expect.arrayContaining(['schema_migrations', 'networks', 'agents', 'tasks', 'subtasks', 'memory_items', 'llm_calls', 'api_keys']));
    const applied = await schemaSnapshot();
    expect((applied.migrations as { version: string }[]).map((r) => r.version)).toEqual(versions);

    // Data written between the runs must survive the second one.
    await t.db.query(`INSERT INTO "${schema}".llm_calls (provider, model, chain_position, attempt, latency_ms, outcome) VALUES ('anthropic', 'm', 0, 1, 5, 'success')`);

    const second = await npmRunMigrate(env);
    expect(second).toMatchObject({ code: 0 });
    expect(second.stdout).toContain(`schema "${schema}" is up to date`);
    expect(await schemaSnapshot()).toEqual(applied);
    const { rows } = await t.db.query<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".llm_calls`);
    expect(Number(rows[0]!.n)).toBe(1);
  }, 90_000);

  it('exits 1 naming the variable when MESH_DB_SCHEMA is not an identifier, and creates nothing', async () => {
    const result = await npmRunMigrate({ ...t.env, MESH_DB_SCHEMA: 'Bad-Schema' });
    expect(result).toMatchObject({ code: 1 });
    expect(result.stderr).toContain('MESH_DB_SCHEMA');
    const { rows } = await t.db.query<{ n: string }>(`SELECT count(*) AS n FROM pg_namespace WHERE nspname = 'Bad-Schema'`);
    expect(Number(rows[0]!.n)).toBe(0);
  }, 60_000);
});
