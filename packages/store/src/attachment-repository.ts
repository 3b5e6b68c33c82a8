import { randomUUID } from 'node:crypto';
import type { AttachmentMediaType, AttachmentMeta } from '@mesh/core';
import type { Db, Queryable } from './db';

/** An attachment checked and ready to store: its bytes and what was read from them. */
export interface AttachmentUpload {
  name: string;
  mediaType: AttachmentMediaType;
  data: Buffer;
  /** Hex sha256 of `data`: the blob's address within the tenant. */
  sha256: string;
  pages: number | null;
  width: number | null;
  height: number | null;
  durationMs: number | null;
}

export interface AttachmentRow {
  id: string;
  name: string;
  media_type: AttachmentMediaType;
  size_bytes: string | number;
  sha256: string;
  pages: number | null;
  width: number | null;
  height: number | null;
  duration_ms: number | null;
  created_at: Date | string;
}

export function toAttachmentMeta(row: AttachmentRow): AttachmentMeta {
  return {
    attachment_id: row.id,
    name: row.name,
    media_type: row.media_type,
    size_bytes: Number(row.size_bytes),
    sha256: row.sha256,
    pages: row.pages,
    width: row.width,
    height: row.height,
    duration_ms: row.duration_ms,
    created_at: new Date(row.created_at).toISOString(),
  };
}

const META_COLUMNS = 'a.id, a.name, a.media_type, a.size_bytes, a.sha256, a.pages, a.width, a.height, a.duration_ms, a.created_at';

/** The attachments of the task `t` in position order, as a JSON array of AttachmentRow: task reads take them in the same round trip. */
export const TASK_ATTACHMENTS_JSON = `(SELECT coalesce(jsonb_agg(jsonb_build_object(
    'id', a.id, 'name', a.name, 'media_type', a.media_type, 'size_bytes', a.size_bytes, 'sha256', a.sha256,
    'pages', a.pages, 'width', a.width, 'height', a.height, 'duration_ms', a.duration_ms, 'created_at', a.created_at) ORDER BY a.position), '[]')
  FROM attachments a WHERE a.task_id = t.id)`;

/**
 * Stores a new task's attachments inside the caller's transaction: each blob once per tenant
 * (bytes already there are not written again), then one row per attachment in the given order.
 */
export async function insertAttachments(tx: Queryable, tenantId: string, networkId: string, taskId: string, uploads: readonly AttachmentUpload[]): Promise<void> {
  const stored = new Set<string>();
  for (const upload of uploads) {
    if (stored.has(upload.sha256)) continue;
    stored.add(upload.sha256);
    await tx.query(
      `INSERT INTO attachment_blobs (tenant_id, sha256, size_bytes, data) VALUES ($1, $2, $3, $4)
       ON CONFLICT (tenant_id, sha256) DO NOTHING`,
      [tenantId, upload.sha256, upload.data.length, upload.data],
    );
  }
  for (const [position, upload] of uploads.entries()) {
    await tx.query(
      `INSERT INTO attachments (id, tenant_id, network_id, task_id, name, media_type, size_bytes, sha256, pages, width, height, duration_ms, position)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
      [randomUUID(), tenantId, networkId, taskId, upload.name, upload.mediaType, upload.data.length, upload.sha256, upload.pages, upload.width, upload.height, upload.durationMs, position],
    );
  }
}

/**
 * Gives a new task the attachments of another task of the tenant (a re-run): new rows, in the same
 * order, over the same blobs (nothing is copied but the metadata). Inside the caller's transaction.
 */
export async function copyAttachments(tx: Queryable, tenantId: string, fromTaskId: string, toTaskId: string): Promise<void> {
  const { rows } = await tx.query<{ id: string }>('SELECT id FROM attachments WHERE tenant_id = $1 AND task_id = $2 ORDER BY position', [tenantId, fromTaskId]);
  if (rows.length === 0) return;
  await tx.query(
    `INSERT INTO attachments (id, tenant_id, network_id, task_id, name, media_type, size_bytes, sha256, pages, width, height, duration_ms, position)
     SELECT m.new_id, a.tenant_id, t.network_id, t.id, a.name, a.media_type, a.size_bytes, a.sha256, a.pages, a.width, a.height, a.duration_ms, a.position
     FROM unnest($3::uuid[], $4::uuid[]) AS m(old_id, new_id)
     JOIN attachments a ON a.id = m.old_id
     JOIN tasks t ON t.id = $2 AND t.tenant_id = $1`,
    [tenantId, toTaskId, rows.map((r) => r.id), rows.map(() => randomUUID())],
  );
}

export interface AttachmentRepositoryOptions {
  /** Bytes read from Postgres per round trip of a download (default 256 KiB). */
  chunkBytes?: number;
}

export const ATTACHMENT_CHUNK_BYTES = 256 * 1024;

/** A task's attachments: metadata, bytes for a model request, and chunked reads for the download route. */
export class AttachmentRepository {
  private readonly chunkBytes: number;

  constructor(
    private readonly db: Db,
    options: AttachmentRepositoryOptions = {},
  ) {
    this.chunkBytes = options.chunkBytes ?? ATTACHMENT_CHUNK_BYTES;
    if (!(Number.isInteger(this.chunkBytes) && this.chunkBytes > 0)) throw new Error('chunkBytes must be a positive integer');
  }

  /** The task's attachments in the order they were given (empty for another tenant's task). */
  async forTask(tenantId: string, taskId: string): Promise<AttachmentMeta[]> {
    const { rows } = await this.db.query<AttachmentRow>(`SELECT ${META_COLUMNS} FROM attachments a WHERE a.tenant_id = $1 AND a.task_id = $2 ORDER BY a.position`, [tenantId, taskId]);
    return rows.map(toAttachmentMeta);
  }

  /** One attachment of a task of a network, or null (missing, another task's, another tenant's). */
  async find(tenantId: string, networkId: string, taskId: string, attachmentId: string): Promise<AttachmentMeta | null> {
    const { rows } = await this.db.query<AttachmentRow>(
      `SELECT ${META_COLUMNS} FROM attachments a WHERE a.id = $1 AND a.tenant_id = $2 AND a.network_id = $3 AND a.task_id = $4`,
      [attachmentId, tenantId, networkId, taskId],
    );
    const row = rows[0];
    return row ? toAttachmentMeta(row) : null;
  }

  /** The attachment's bytes (at most the per-file limit), for a model request; null when not the tenant's. */
  async content(tenantId: string, attachmentId: string): Promise<Buffer | null> {
    const { rows } = await this.db.query<{ data: Buffer }>(
      `SELECT b.data FROM attachments a JOIN attachment_blobs b ON b.tenant_id = a.tenant_id AND b.sha256 = a.sha256
       WHERE a.id = $1 AND a.tenant_id = $2`,
      [attachmentId, tenantId],
    );
    return rows[0]?.data ?? null;
  }

  /**
   * The blob's bytes in slices of `chunkBytes`, one query each: a download holds one slice in
   * memory at a time. Ends early (without error) if the blob went meanwhile.
   */
  async *chunks(tenantId: string, sha256: string, sizeBytes: number): AsyncGenerator<Buffer> {
    for (let offset = 0; offset < sizeBytes; offset += this.chunkBytes) {
      const { rows } = await this.db.query<{ part: Buffer | null }>(
        // substring on bytea counts from 1.
        'SELECT substring(data FROM $3 FOR $4) AS part FROM attachment_blobs WHERE tenant_id = $1 AND sha256 = $2',
        [tenantId, sha256, offset + 1, this.chunkBytes],
      );
      const part = rows[0]?.part;
      if (!part || part.length === 0) return;
      yield part;
    }
  }
}
