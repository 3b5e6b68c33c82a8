import { ConnectionError, type MeshApiError } from '@mesh/client';

/**
 * Errors by fault: the caller typed something wrong (exit 2), or the work failed (exit 1). The API's
 * errors (MeshApiError, ConnectionError) come from @mesh/client; here is how the CLI words them.
 */

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

/** `message (HTTP 404 not_found)` plus validation details, one per line. */
export function describeApiError(err: MeshApiError): string {
  const lines = [`${err.message} (HTTP ${err.status} ${err.code})`];
  if (err.code === 'budget_exhausted') {
    lines.push(...budgetExhaustedHint(err.details));
  } else if (Array.isArray(err.details)) {
    for (const d of err.details as { path?: unknown; message?: unknown }[]) lines.push(`  ${String(d.path ?? '') || '(body)'}: ${String(d.message ?? '')}`);
  } else if (err.details && typeof err.details === 'object') {
    lines.push(`  ${JSON.stringify(err.details)}`);
  }
  if (err.status === 401) lines.push('  Set MESH_API_KEY (or pass --api-key) to a key the API accepts.');
  return lines.join('\n');
}

/** A 402: which budget, that nothing was started, and where to look. */
function budgetExhaustedHint(details: unknown): string[] {
  const budgetId = (details as { budget_id?: unknown } | null)?.budget_id;
  const which = typeof budgetId === 'string' ? `budget ${budgetId}` : 'a budget';
  return [`  Nothing was started: ${which} is used up. \`mesh budgets\` shows what each budget has used; an operator can raise one with \`mesh budgets set\`.`];
}

/** An error's message; a connection failure also says where the URL comes from. */
export function errorMessage(err: unknown): string {
  if (err instanceof ConnectionError) return `${err.message}. Is it running? Set MESH_URL or pass --url.`;
  return err instanceof Error ? err.message : String(err);
}
