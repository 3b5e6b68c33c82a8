import { createHash } from 'node:crypto';
import { Client, Pool, type PoolClient, type QueryResultRow } from 'pg';
import { PriorityGate } from './work-priority';

export interface DbOptions {
  url: string;
  /** Every connection works inside this schema (search_path), so tests and tenants of a deployment can use their own. */
  schema: string;
  poolSize?: number;
  /** Name shown in pg_stat_activity. */
  applicationName?: string;
  /**
   * How long a query waits for a free pooled connection before failing. Short for the API (a
   * quick 503 beats a hung request), long for job processes: a job that fails on a busy pool is
   * retried from scratch, which only adds load.
   */
  connectionWaitMs?: number;
  /**
   * `url` is a transaction pool (PgBouncer pool_mode=transaction): consecutive statements may run
   * on different server connections, so no session state is set or relied on. The schema is not
   * sent as a startup option (PgBouncer refuses unknown ones): the pooler or the role must set
   * the search_path, and checkSchema says so at start if it does not.
   */
  transactionPooling?: boolean;
  /** Named prepared statements (default true); PgBouncer before 1.21 in transaction pooling cannot keep them. */
  preparedStatements?: boolean;
  /** Where openSession connects (default `url`): a connection that keeps its session. */
  sessionUrl?: string;
}

/** Something that runs SQL: the pool, or a client inside a transaction. */
export interface Queryable {
  query<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
}

export interface Db extends Queryable {
  readonly schema: string;
  readonly pool: Pool;
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * A connection of its own that keeps its session (session-level advisory locks), outside the
   * pool, on `sessionUrl`. The caller ends it.
   */
  openSession(): Promise<Client>;
  /** Throws, naming the fix, when the connections do not work inside `schema` (a transaction pool that does not set the search_path). */
  checkSchema(): Promise<void>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** Schema names are interpolated into SQL, so only plain lowercase identifiers pass. */
export function assertIdentifier(name: string): void {
  if (!IDENTIFIER.test(name)) throw new Error(`Invalid schema name: ${JSON.stringify(name)}`);
}

/**
 * Parameterised statements run as named (prepared) statements: each connection parses and plans
 * a statement text once instead of on every call, which was a sixth of Postgres's time per task
 * (planning the engine's CTE statements costs as much as running them). The names are bounded
 * per pool so statements built from varying text cannot pile up on the server.
 */
const MAX_PREPARED_STATEMENTS = 256;

/** A statement text's prepared-statement name, while fewer than MAX_PREPARED_STATEMENTS have one; undefined after. */
type StatementNames = (text: string) => string | undefined;

function statementNames(enabled = true): StatementNames {
  const names = new Map<string, string>();
  return (text) => {
    if (!enabled) return undefined;
    const known = names.get(text);
    if (known !== undefined || names.size >= MAX_PREPARED_STATEMENTS) return known;
    const name = `mesh_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
    names.set(text, name);
    return name;
  };
}

/** A prepared statement whose result columns changed under it (a migration while running): run it unprepared. */
function isStalePlan(err: unknown): boolean {
  return (err as { code?: string }).code === '0A000' && /cached plan/.test((err as Error).message);
}

async function runStatement<R extends QueryResultRow>(q: Pool | PoolClient, statementName: StatementNames, text: string, values?: unknown[]) {
  const name = values && values.length > 0 ? statementName(text) : undefined;
  if (name === undefined) return q.query<R>(text, values);
  try {
    return await q.query<R>({ name, text, values });
  } catch (err) {
    if (!isStalePlan(err)) throw err;
    return q.query<R>(text, values);
  }
}

export function createDb(options: DbOptions): Db {
  assertIdentifier(options.schema);
  const size = options.poolSize ?? 10;
  const waitMs = options.connectionWaitMs ?? 5_000;
  const pool = new Pool({
    connectionString: options.url,
    max: size,
    application_name: options.applicationName ?? 'agent-mesh',
    // Behind a transaction pool the search_path comes from the pooler or the role (checkSchema).
    ...(options.transactionPooling ? {} : { options: `-c search_path=${options.schema}` }),
    connectionTimeoutMillis: waitMs,
    idleTimeoutMillis: 30_000,
  });
  // An idle client that loses its connection emits here; without a listener it would crash the process.
  pool.on('error', () => {});
  const statementName = statementNames(options.preparedStatements ?? true);
  // Checkouts in the order of the work's priority (work-priority.ts), not pg-pool's arrival order.
  const gate = new PriorityGate(size, waitMs);

  return {
    schema: options.schema,
    pool,
    async query<R extends QueryResultRow>(text: string, values?: unknown[]) {
      return gate.run(() => runStatement<R>(pool, statementName, text, values));
    },
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      await gate.acquire();
      let client: PoolClient;
      try {
        client = await pool.connect();
      } catch (err) {
        gate.release();
        throw err;
      }
      // A checked-out client has no pool listener: a connection lost between two statements (the
      // transaction's own work in between, e.g. embedding) would emit an unhandled 'error' and end
      // the process. Its next statement fails instead, and the client is destroyed on release.
      let lost: Error | undefined;
      const onError = (err: Error) => (lost = err);
      client.on('error', onError);
      try {
        await client.query('BEGIN');
        const tx: Queryable = { query: (text, values) => runStatement(client, statementName, text, values) };
        const result = await fn(tx);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.off('error', onError);
        client.release(lost);
        gate.release();
      }
    },
    async openSession() {
      const client = new Client({ connectionString: options.sessionUrl ?? options.url, application_name: `${options.applicationName ?? 'agent-mesh'}-session` });
      // A lost connection ends the session (and its locks); without a listener the error would crash the process.
      client.on('error', () => {});
      await client.connect();
      return client;
    },
    async checkSchema() {
      const { rows } = await gate.run(() => pool.query<{ schema: string | null }>('SELECT current_schema() AS schema'));
      const current = rows[0]?.schema ?? null;
      if (current === options.schema) return;
      throw new Error(
        `Postgres connections work in schema ${JSON.stringify(current)}, not MESH_DB_SCHEMA=${JSON.stringify(options.schema)}: ` +
          (options.transactionPooling
            ? `behind a transaction pool the search_path must be set by the pooler or the role (PgBouncer: connect_query='SET search_path TO ${options.schema}' on the database entry; or ALTER ROLE … SET search_path TO ${options.schema})`
            : 'the search_path startup option was not applied'),
      );
    },
    async ping() {
      try {
        await gate.run(() => pool.query('SELECT 1'));
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      await pool.end();
    },
  };
}
