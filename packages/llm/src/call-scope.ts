import { MeshTimeoutError } from '@mesh/core';

/**
 * The life of one complete() call: aborts when the caller's signal does or when the call's own
 * deadline passes, and remembers which, because they end the call differently (an abort error
 * versus a ProviderError listing what was tried).
 */
export class CallScope {
  readonly signal: AbortSignal;
  readonly deadlineAt: number;
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private readonly onCallerAbort: () => void;
  private deadlineHit = false;

  constructor(
    private readonly caller: AbortSignal | undefined,
    readonly callTimeoutMs: number,
    now: () => number,
  ) {
    this.signal = this.controller.signal;
    this.deadlineAt = now() + callTimeoutMs;
    this.onCallerAbort = () => this.controller.abort(caller?.reason);
    if (caller?.aborted) this.controller.abort(caller.reason);
    else caller?.addEventListener('abort', this.onCallerAbort, { once: true });
    this.timer = setTimeout(() => {
      this.deadlineHit = true;
      this.controller.abort(new MeshTimeoutError(`LLM call exceeded its deadline of ${callTimeoutMs} ms`, callTimeoutMs));
    }, callTimeoutMs);
  }

  get callerAborted(): boolean {
    return Boolean(this.caller?.aborted) && !this.deadlineHit;
  }

  get deadlineExceeded(): boolean {
    return this.deadlineHit;
  }

  remainingMs(now: number): number {
    return Math.max(0, this.deadlineAt - now);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.caller?.removeEventListener('abort', this.onCallerAbort);
  }
}
