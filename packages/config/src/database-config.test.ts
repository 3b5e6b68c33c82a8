import { ConfigError } from './config-error';
import { loadConfig } from './config';

const BASE = { NODE_ENV: 'test', MESH_API_KEYS: 'tenant-a:key-tenant-a-123' };

/** The variables named, each with its message (ConfigError's message lists `VARIABLE: message; …`). */
function problems(env: Record<string, string>): { variable: string; message: string }[] {
  try {
    loadConfig({ ...BASE, ...env });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const listed = err.message.replace(/^Invalid configuration: /, '');
    return err.variables.map((variable) => ({ variable, message: listed.slice(listed.indexOf(`${variable}: `) + variable.length + 2) }));
  }
  return [];
}

describe('database settings', () => {
  it('defaults: no transaction pool, prepared statements on, the leader lock on DATABASE_URL', () => {
    const { database } = loadConfig(BASE);
    expect(database).toMatchObject({ transactionPooling: false, preparedStatements: true });
    expect(database.sessionUrl).toBeUndefined();
  });

  it('behind a transaction pool: prepared statements off unless asked for, and the leader lock on DATABASE_SESSION_URL', () => {
    const env = { DATABASE_URL: 'postgres://mesh@pgbouncer:6432/mesh', DATABASE_TRANSACTION_POOLING: 'true', DATABASE_SESSION_URL: 'postgres://mesh@postgres:5432/mesh' };
    expect(loadConfig({ ...BASE, ...env }).database).toMatchObject({ transactionPooling: true, preparedStatements: false, sessionUrl: 'postgres://mesh@postgres:5432/mesh' });
    // PgBouncer 1.21+ keeps protocol-level prepared statements (max_prepared_statements).
    expect(loadConfig({ ...BASE, ...env, DATABASE_PREPARED_STATEMENTS: 'true' }).database.preparedStatements).toBe(true);
    expect(loadConfig({ ...BASE, DATABASE_PREPARED_STATEMENTS: 'no' }).database.preparedStatements).toBe(false);
  });

  it('refuses a transaction pool without a session URL, naming why, and bad values', () => {
    const missing = problems({ DATABASE_TRANSACTION_POOLING: 'true' });
    expect(missing.map((p) => p.variable)).toEqual(['DATABASE_SESSION_URL']);
    expect(missing[0]!.message).toMatch(/advisory lock/);
    expect(problems({ DATABASE_PREPARED_STATEMENTS: 'sometimes' }).map((p) => p.variable)).toEqual(['DATABASE_PREPARED_STATEMENTS']);
    expect(problems({ DATABASE_SESSION_URL: 'http://example.com' }).map((p) => p.variable)).toEqual(['DATABASE_SESSION_URL']);
    expect(problems({ DATABASE_TRANSACTION_POOLING: 'maybe' }).map((p) => p.variable)).toEqual(['DATABASE_TRANSACTION_POOLING']);
  });
});
