import { createHash } from 'node:crypto';

/** The namespace of tool-call keys (a random UUID fixed once). */
const NAMESPACE = Buffer.from('6f1c0d5e9b2a4c7e8d3f0a1b2c3d4e5f', 'hex');

/**
 * The idempotency key of a tool call: a UUIDv5 of the subtask and the call's position, so every
 * repetition of the call (a retried subtask, a resumed in-flight call) carries the same key.
 */
export function toolCallIdempotencyKey(subtaskId: string, position: number): string {
  const hash = createHash('sha1').update(NAMESPACE).update(`${subtaskId}/${position}`).digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
