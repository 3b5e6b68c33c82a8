/**
 * One HTTP attempt's signal: aborts when the call's signal aborts or when the attempt's own
 * timeout passes, and remembers which, because a timeout is retryable and a caller's abort is not.
 */
export class AttemptSignal {
  readonly signal: AbortSignal;
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private timedOutFlag = false;
  private readonly onParentAbort: () => void;

  constructor(
    private readonly parent: AbortSignal,
    readonly timeoutMs: number,
  ) {
    this.signal = this.controller.signal;
    this.onParentAbort = () => this.controller.abort(parent.reason);
    if (parent.aborted) this.controller.abort(parent.reason);
    else parent.addEventListener('abort', this.onParentAbort, { once: true });
    this.timer = setTimeout(() => {
      this.timedOutFlag = true;
      this.controller.abort(new Error(`attempt timed out after ${timeoutMs} ms`));
    }, timeoutMs);
  }

  get timedOut(): boolean {
    return this.timedOutFlag && !this.parent.aborted;
  }

  get parentAborted(): boolean {
    return this.parent.aborted;
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.parent.removeEventListener('abort', this.onParentAbort);
  }
}
