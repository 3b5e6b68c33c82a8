import type { SentEmailRecord } from '@mesh/core';
import type { Db } from './db';
import { storableJson, storableText } from './storable-json';

/** An email the SMTP server accepted (core's SentEmailRecord). */
export type SentEmail = SentEmailRecord;

interface SentEmailRow {
  message_id: string;
  tenant_id: string;
  idempotency_key: string;
  accepted: string[];
  rejected: string[];
  response: string;
  sent_at: Date;
}

/** One tenant's ledger of sent emails (the SentEmailLedger of @mesh/tools). */
export class TenantSentEmailLedger {
  constructor(
    private readonly db: Db,
    private readonly tenantId: string,
  ) {}

  async find(messageId: string): Promise<SentEmail | null> {
    const { rows } = await this.db.query<SentEmailRow>('SELECT * FROM sent_emails WHERE message_id = $1 AND tenant_id = $2', [messageId, this.tenantId]);
    const row = rows[0];
    return row
      ? { messageId: row.message_id, idempotencyKey: row.idempotency_key, accepted: row.accepted, rejected: row.rejected, response: row.response, sentAt: row.sent_at }
      : null;
  }

  /** Idempotent: a message already recorded keeps its first record. */
  async record(sent: SentEmail): Promise<void> {
    await this.db.query(
      `INSERT INTO sent_emails (message_id, tenant_id, idempotency_key, accepted, rejected, response, sent_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (message_id) DO NOTHING`,
      [
        sent.messageId,
        this.tenantId,
        sent.idempotencyKey,
        JSON.stringify(storableJson(sent.accepted)),
        JSON.stringify(storableJson(sent.rejected)),
        storableText(sent.response),
        sent.sentAt,
      ],
    );
  }
}

/** The `sent_emails` table: send_email's record of what went out, by Message-ID. */
export class SentEmailRepository {
  constructor(private readonly db: Db) {}

  /** The tenant's ledger, to pass where a SentEmailLedger is expected. */
  ledger(tenantId: string): TenantSentEmailLedger {
    return new TenantSentEmailLedger(this.db, tenantId);
  }
}
