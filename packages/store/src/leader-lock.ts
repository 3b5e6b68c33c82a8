import type { Client } from 'pg';
import type { Db } from './db';

/**
 * Leadership among processes through a session-level Postgres advisory lock held on one
 * dedicated connection: whoever holds it leads; if that process dies or loses its connection,
 * the lock is released and another process takes over on its next try. The connection is a
 * session of its own outside the pool (Db.openSession, on DATABASE_SESSION_URL when set): a
 * transaction pool such as PgBouncer's would hand the locked server connection to other clients
 * and keep it, with the lock, after the leader died.
 */
export class LeaderLock {
  private client: Client | null = null;

  constructor(
    private readonly db: Db,
    private readonly name: string,
  ) {}

  get isLeader(): boolean {
    return this.client !== null;
  }

  /** True when this process leads (acquiring the lock now if free); checks a held lock is still alive. */
  async tryAcquire(): Promise<boolean> {
    if (this.client) {
      try {
        await this.client.query('SELECT 1');
        return true;
      } catch {
        this.drop();
      }
    }
    let client: Client;
    try {
      client = await this.db.openSession();
    } catch {
      return false;
    }
    try {
      client.on('error', () => {
        if (this.client === client) this.drop();
      });
      const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [`agent-mesh:${this.db.schema}:${this.name}`]);
      if (rows[0]?.ok) {
        this.client = client;
        return true;
      }
      await client.end().catch(() => {});
      return false;
    } catch {
      await client.end().catch(() => {});
      return false;
    }
  }

  private drop(): void {
    const client = this.client;
    this.client = null;
    void client?.end().catch(() => {});
  }

  async release(): Promise<void> {
    const client = this.client;
    this.client = null;
    if (!client) return;
    try {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [`agent-mesh:${this.db.schema}:${this.name}`]);
    } catch {
      // Ending the session releases the lock all the same.
    }
    await client.end().catch(() => {});
  }
}
