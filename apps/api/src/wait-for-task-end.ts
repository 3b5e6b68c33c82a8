import { isTerminalTaskStatus } from '@mesh/core';
import type { ApiDeps } from './api-deps';

/**
 * Holds a `?wait=N` request until the task reaches a terminal status, N seconds pass, or the
 * client goes away. It waits on the task's events (Redis pub/sub), never by polling Postgres; a
 * task that no longer exists ends the wait at once. Never throws: the caller reads the task next.
 */
export async function waitForTaskEnd(deps: ApiDeps, tenantId: string, taskId: string, waitSeconds: number, signal: AbortSignal): Promise<void> {
  if (waitSeconds <= 0 || signal.aborted) return;
  const timeoutMs = waitSeconds * 1000;
  const isTerminal = async () => {
    const row = await deps.store.tasks.getRow(tenantId, taskId);
    return row === null || isTerminalTaskStatus(row.status);
  };
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  // Our own timer as well: subscribing can stall while Redis is down, and the promise would not settle.
  const stop = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
    onAbort = () => resolve();
    signal.addEventListener('abort', onAbort, { once: true });
  });
  const waited = deps.events.waitForTerminal(taskId, timeoutMs, isTerminal).catch((err: unknown) => {
    deps.logger.warn('waiting for a task failed; answering with its current state', { task_id: taskId, error: err });
  });
  try {
    await Promise.race([waited, stop]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}
