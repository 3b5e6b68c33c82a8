import { OutboundRequestError } from './errors';

/**
 * The caller's signal and a call's time bound, as one signal; `done` stops the timer and lets go
 * of the caller's signal. When the bound passes, the signal's reason is an OutboundRequestError
 * with `timedOut` (see `timedOut`); when the caller stops, the caller's reason.
 */
export function callSignal(timeoutMs: number, parent?: AbortSignal): { signal: AbortSignal; done: () => void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new OutboundRequestError(`no answer within ${timeoutMs} ms`, { timedOut: true })), timeoutMs);
  const onParentAbort = () => controller.abort(parent?.reason ?? new OutboundRequestError('the call was cancelled'));
  if (parent?.aborted) onParentAbort();
  else parent?.addEventListener('abort', onParentAbort, { once: true });
  return {
    signal: controller.signal,
    done: () => {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParentAbort);
    },
  };
}

/** The signal of `callSignal` fired because its time bound passed. */
export function timedOut(signal: AbortSignal): boolean {
  return signal.reason instanceof OutboundRequestError && signal.reason.timedOut;
}
