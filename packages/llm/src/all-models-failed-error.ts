import { ProviderError } from '@mesh/core';
import type { AttemptRecord } from './attempt-record';
import type { ResolvedModel } from './model-table';

export interface ModelFailure {
  ref: string;
  /** e.g. "server 500 ×3", "auth 401", "circuit open", "invalid output ×2". */
  reason: string;
}

function label(errorClass: string): string {
  return errorClass.replace(/_/g, ' ');
}

/** One model's attempts in a few words: each distinct failure with its status and count, in order. */
export function summarizeModelAttempts(attempts: AttemptRecord[]): string {
  const groups: { key: string; count: number }[] = [];
  for (const attempt of attempts) {
    if (attempt.outcome === 'success') continue;
    const key = `${label(attempt.errorClass ?? 'unknown')}${attempt.httpStatus === undefined ? '' : ` ${attempt.httpStatus}`}`;
    const last = groups[groups.length - 1];
    if (last && last.key === key) last.count += 1;
    else groups.push({ key, count: 1 });
  }
  if (groups.length === 0) return 'no answer';
  return groups.map((g) => (g.count > 1 ? `${g.key} ×${g.count}` : g.key)).join(', ');
}

/**
 * Every model of the chain failed. A ProviderError (name 'ProviderError', retryable false), so
 * callers and job retry policies treat it like any provider failure; the message names every
 * model tried and why it failed.
 */
export class AllModelsFailedError extends ProviderError {
  readonly failures: ModelFailure[];
  readonly attempts: AttemptRecord[];

  constructor(chain: ResolvedModel[], attempts: AttemptRecord[], options: { deadlineMs?: number; cause?: unknown } = {}) {
    const failures: ModelFailure[] = chain.map((model, position) => {
      const mine = attempts.filter((a) => a.chainPosition === position);
      return { ref: model.ref, reason: mine.length > 0 ? summarizeModelAttempts(mine) : 'not tried' };
    });
    const within = options.deadlineMs === undefined ? '' : ` within the call deadline of ${options.deadlineMs} ms`;
    super(`All models failed${within}: ${failures.map((f) => `${f.ref} (${f.reason})`).join(', ')}`, {
      provider: chain.length === 1 && chain[0] ? chain[0].provider : 'all',
      model: chain.map((m) => m.ref).join(','),
      retryable: false,
      errorClass: 'all_models_failed',
      cause: options.cause,
    });
    // Deliberately still 'ProviderError': retry decisions match on the name across processes.
    this.name = 'ProviderError';
    this.failures = failures;
    this.attempts = attempts;
  }
}
