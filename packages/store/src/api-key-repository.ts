import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Db } from './db';

/** Keys are stored as SHA-256 hashes: high-entropy random keys need no slow hash, and lookups stay one index probe. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function generateApiKey(): string {
  return `mesh_${randomBytes(24).toString('base64url')}`;
}

export class ApiKeyRepository {
  constructor(private readonly db: Db) {}

  /** Creates a key for a tenant and returns it in clear text: the only time it is ever seen. */
  async create(tenantId: string, label = ''): Promise<{ id: string; key: string }> {
    const key = generateApiKey();
    const id = randomUUID();
    await this.db.query('INSERT INTO api_keys (id, tenant_id, key_hash, label) VALUES ($1, $2, $3, $4)', [id, tenantId, hashApiKey(key), label]);
    return { id, key };
  }

  /** The tenant of a valid, unrevoked key, or null. */
  async tenantFor(key: string): Promise<string | null> {
    const { rows } = await this.db.query<{ tenant_id: string }>('SELECT tenant_id FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL', [
      hashApiKey(key),
    ]);
    return rows[0]?.tenant_id ?? null;
  }

  /** Keys not revoked, of every tenant: production without MESH_API_KEYS needs at least one. */
  async countActive(): Promise<number> {
    const { rows } = await this.db.query<{ count: string }>('SELECT count(*) FROM api_keys WHERE revoked_at IS NULL');
    return Number(rows[0]?.count ?? 0);
  }

  async revoke(id: string): Promise<boolean> {
    const { rowCount } = await this.db.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL', [id]);
    return (rowCount ?? 0) > 0;
  }

  async list(tenantId?: string): Promise<{ id: string; tenant_id: string; label: string; created_at: Date; revoked_at: Date | null }[]> {
    const { rows } = await this.db.query<{ id: string; tenant_id: string; label: string; created_at: Date; revoked_at: Date | null }>(
      'SELECT id, tenant_id, label, created_at, revoked_at FROM api_keys WHERE ($1::text IS NULL OR tenant_id = $1) ORDER BY created_at',
      [tenantId ?? null],
    );
    return rows;
  }
}
