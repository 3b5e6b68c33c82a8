/** Errors by fault: the caller typed something wrong (exit 2), or the work failed (exit 1). */

export const EXIT = { ok: 0, failure: 1, usage: 2, stillRunning: 3 } as const;

/** Wrong command, option or value: exit 2 with the command's usage. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly usage?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The API answered with its error shape `{"error": {"code", "message", "details"?}}` (or something else that is not 2xx). */
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

  /** `message (HTTP 404 not_found)` plus validation details, one per line. */
  describe(): string {
    const lines = [`${this.message} (HTTP ${this.status} ${this.code})`];
    if (Array.isArray(this.details)) {
      for (const d of this.details as { path?: unknown; message?: unknown }[]) lines.push(`  ${String(d.path ?? '') || '(body)'}: ${String(d.message ?? '')}`);
    } else if (this.details && typeof this.details === 'object') {
      lines.push(`  ${JSON.stringify(this.details)}`);
    }
    if (this.status === 401) lines.push('  Set MESH_API_KEY (or pass --api-key) to a key the API accepts.');
    return lines.join('\n');
  }
}

/** The API could not be reached at all. */
export class ConnectionError extends Error {
  constructor(
    readonly url: string,
    cause: unknown,
  ) {
    const reason = (cause as { cause?: { code?: unknown; message?: unknown } })?.cause;
    const detail = typeof reason?.code === 'string' ? reason.code : cause instanceof Error ? cause.message : String(cause);
    super(`Cannot reach the API at ${url} (${detail}). Is it running? Set MESH_URL or pass --url.`, { cause });
    this.name = 'ConnectionError';
  }
}
