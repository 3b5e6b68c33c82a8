import type { Duplex } from 'node:stream';
import type { ErrorBody } from '@mesh/core';

const ANSWERS: Record<string, { status: number; reason: string; body: ErrorBody['error'] }> = {
  HPE_HEADER_OVERFLOW: {
    status: 431,
    reason: 'Request Header Fields Too Large',
    body: { code: 'headers_too_large', message: 'The request line and headers are too large' },
  },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, reason: 'Request Timeout', body: { code: 'request_timeout', message: 'The request took too long to arrive' } },
};
const MALFORMED = { status: 400, reason: 'Bad Request', body: { code: 'validation_error', message: 'Malformed HTTP request' } };

/**
 * Node's HTTP parser refuses some requests before Express sees them (oversized headers, invalid
 * header characters, conflicting Content-Length / Transfer-Encoding, bad chunking) and by default
 * answers with a bare status line. This answers them like every other error: the JSON error
 * shape, then the connection closes (the rest of the stream cannot be trusted).
 */
export function answerClientError(err: Error & { code?: string }, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const answer = ANSWERS[err.code ?? ''] ?? MALFORMED;
  const body = JSON.stringify({ error: answer.body } satisfies ErrorBody);
  socket.end(
    `HTTP/1.1 ${answer.status} ${answer.reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
