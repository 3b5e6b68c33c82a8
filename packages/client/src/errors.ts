/**
 * What a call to the API can fail with. How to show them is the caller's business (the CLI adds
 * the HTTP status and where the key comes from, the console lists validation details), so neither
 * class formats more than its message.
 */

/** The API answered with its error shape `{"error": {"code", "message", "details"?}}`, or with something else that is not 2xx. */
export class MeshApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'MeshApiError';
  }
}

/** The API could not be reached at all; `cause` is what fetch threw. */
export class ConnectionError extends Error {
  constructor(
    /** The API's origin as configured ('' for the page's own). */
    readonly url: string,
    cause: unknown,
  ) {
    const reason = (cause as { cause?: { code?: unknown; message?: unknown } })?.cause;
    const detail = typeof reason?.code === 'string' ? reason.code : cause instanceof Error ? cause.message : String(cause);
    super(`Cannot reach the API at ${url} (${detail})`, { cause });
    this.name = 'ConnectionError';
  }
}

export async function errorFromResponse(res: Response): Promise<MeshApiError> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown; details?: unknown } };
    if (body.error && typeof body.error.message === 'string') {
      return new MeshApiError(body.error.message, res.status, String(body.error.code ?? 'error'), body.error.details);
    }
  } catch {
    // not the API's error shape (a proxy's page, say)
  }
  return new MeshApiError(`HTTP ${res.status} ${res.statusText}`.trim(), res.status, 'http_error');
}

/** By name: an abort from another realm (or a polyfill) is not `instanceof DOMException` here. */
export const isAbortError = (err: unknown): boolean => (err as { name?: unknown } | null)?.name === 'AbortError';
