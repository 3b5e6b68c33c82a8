/**
 * The caller's AbortSignal fired. Named 'AbortError' like the platform's own abort errors, so
 * callers can test `err.name === 'AbortError'` across process boundaries; the signal's reason
 * is kept as `cause`.
 */
export class LlmAbortError extends Error {
  constructor(reason?: unknown) {
    super(reason instanceof Error && reason.message ? `LLM call aborted: ${reason.message}` : 'LLM call aborted', { cause: reason });
    this.name = 'AbortError';
  }
}
