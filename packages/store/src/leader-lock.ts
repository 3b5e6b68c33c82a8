import type { PoolClient } from 'pg';
import type { Db } from './db';

/**
 * Leadership among processes through a session-level Postgres advisory lock held on one
 * dedicated connection: whoever holds it leads; if that process dies or loses its connection,
 * the lock is released and another process takes over on its next try.
 */
export class LeaderLock {
  private client: PoolClient | null = null;

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
    let client: PoolClient;
    try {
      client = await this.db.pool.connect();
    } catch {
      return false;
    }
    try {
      client.on('error', () => this.drop());
      const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [`agent-mesh:${this.db.schema}:${this.name}`]);
      if (rows[0]?.ok) {
        this.client = client;
        return true;
      }
      client.release();
      return false;
    } catch {
      client.release(true);
      return false;
    }
  }

  private drop(): void {
    const client = this.client;
    this.client = null;
    // Destroy rather than return it to the pool: a broken connection must not be reused.
    client?.release(true);
  }

  async release(): Promise<void> {
    const client = this.client;
    this.client = null;
    if (!client) return;
    try {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [`agent-mesh:${this.db.schema}:${this.name}`]);
      client.release();
    } catch {
      client.release(true);
    }
  }
}
