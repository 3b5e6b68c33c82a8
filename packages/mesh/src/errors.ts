import { ModelOutputError, ProviderError } from '@mesh/core';

/**
 * Thrown from a job handler when retrying the job cannot help (the model layer has already
 * retried and fallen back). BullMQ recognises it by name across process boundaries.
 */
export class UnrecoverableJobError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UnrecoverableError';
  }
}

/** The model layer gave up: every model in the chain failed or answered unusably. */
export function isModelFailure(err: unknown): boolean {
  return (
    err instanceof ProviderError ||
    err instanceof ModelOutputError ||
    (err instanceof Error && (err.name === 'ProviderError' || err.name === 'ModelOutputError'))
  );
}

export function isAbort(err: unknown, signal?: AbortSignal): boolean {
  return Boolean(signal?.aborted) || (err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError'));
}
