/** Postgres error codes the repositories translate into domain errors. */
export const PG_UNIQUE_VIOLATION = '23505';
export const PG_FOREIGN_KEY_VIOLATION = '23503';
/** Postgres chose this transaction as a deadlock's victim: it rolled back, and may simply run again. */
export const PG_DEADLOCK_DETECTED = '40P01';

export function pgErrorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

const TRANSIENT_NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/**
 * True for failures that say "Postgres is not reachable right now" rather than "this is wrong":
 * a refused or dropped connection, a server starting up or shutting down (57P01-57P03), too many
 * connections (53300), any connection exception (class 08). A bad password, a missing database or
 * a failing statement is not transient.
 */
export function isTransientPgError(err: unknown): boolean {
  const code = pgErrorCode(err);
  if (code && (TRANSIENT_NETWORK.has(code) || code.startsWith('08') || ['57P01', '57P02', '57P03', '53300'].includes(code))) return true;
  const message = err instanceof Error ? err.message : String(err);
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect/i.test(message);
}

/**
 * Runs `fn`, again and again with backoff while it fails because Postgres is unreachable or
 * restarting (isTransientPgError), for up to `waitMs`; any other error, or the last one, is thrown.
 * For what a starting process must do once: it comes up when the database does instead of exiting.
 */
export async function whileUnreachable<T>(fn: () => Promise<T>, wait: { waitMs: number; onRetry?: (err: unknown, attempt: number) => void }): Promise<T> {
  const until = Date.now() + wait.waitMs;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await fn();
    } catch (err) {
      if (!isTransientPgError(err) || Date.now() >= until) throw err;
      wait.onRetry?.(err, attempt);
      await new Promise((r) => setTimeout(r, Math.min(2_000, 100 * 2 ** Math.min(attempt, 5), Math.max(0, until - Date.now()))));
    }
  }
}

/**
 * Runs a transaction again (up to `attempts` times) when Postgres rolled it back as a deadlock's
 * victim: the other transaction has gone on by then, and the same statements usually pass.
 */
export async function retryDeadlocks<T>(fn: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await fn();
    } catch (err) {
      if (pgErrorCode(err) !== PG_DEADLOCK_DETECTED || attempt >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 20 * attempt + Math.random() * 30));
    }
  }
}
