import type { SentEmailRecord } from '@mesh/core';

export type { SentEmailRecord };

/**
 * `send_email`'s own record of what it sent, by Message-ID (derived from the call's idempotency
 * key). Written as soon as the SMTP server accepts a message, so a repeated call finds it and
 * sends nothing, even when the journal still says the call was in flight.
 */
export interface SentEmailLedger {
  find(messageId: string): Promise<SentEmailRecord | null>;
  record(sent: SentEmailRecord): Promise<void>;
}

/** For tests and single-process use; the worker uses a Postgres table. */
export class InMemorySentEmailLedger implements SentEmailLedger {
  private readonly sent = new Map<string, SentEmailRecord>();

  async find(messageId: string): Promise<SentEmailRecord | null> {
    const record = this.sent.get(messageId);
    return record ? structuredClone(record) : null;
  }

  async record(sent: SentEmailRecord): Promise<void> {
    if (!this.sent.has(sent.messageId)) this.sent.set(sent.messageId, structuredClone(sent));
  }

  get size(): number {
    return this.sent.size;
  }
}
