import { createHmac, timingSafeEqual } from 'node:crypto';

/** Headers of every webhook request. */
export const WEBHOOK_HEADERS = {
  signature: 'X-Mesh-Signature',
  timestamp: 'X-Mesh-Timestamp',
  event: 'X-Mesh-Event',
  delivery: 'X-Mesh-Delivery',
} as const;

/** `sha256=<hex HMAC-SHA256 of the raw body>`, the value of X-Mesh-Signature. */
export function signWebhookBody(secret: string, rawBody: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}

/** What a receiver does: recompute the signature over the raw bytes and compare in constant time. */
export function verifyWebhookSignature(secret: string, rawBody: string | Buffer, signatureHeader: string | undefined): boolean {
  if (!signatureHeader) return false;
  const expected = Buffer.from(signWebhookBody(secret, rawBody));
  const given = Buffer.from(signatureHeader.trim());
  return expected.length === given.length && timingSafeEqual(expected, given);
}
