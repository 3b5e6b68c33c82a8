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

/**
 * A subtask's tool call (or question) waits for a person: the loop stops once the other calls of
 * its round have ended; the subtask parks and its job ends, holding nothing while it waits.
 */
export class AwaitingPerson extends Error {
  constructor(
    readonly approvalIds: string[],
    /** The usage rows of the model turns made so far, stored before the subtask parks. */
    readonly recorded: Promise<void>,
  ) {
    super(`waiting for a person (${approvalIds.join(', ')})`);
    this.name = 'AwaitingPerson';
  }
}
