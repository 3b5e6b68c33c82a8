/**
 * Resolves once the event loop has run what this turn started: the microtasks and ticks queued
 * now, and the writes they made to sockets. Bookkeeping that nobody waits for on the spot (usage
 * rows, a finished call's record, progress events) starts after it, so the request the caller
 * makes next (a tool's HTTP call, the next model turn) leaves first instead of queueing behind
 * the serialising of a prompt into a Postgres statement.
 */
export function afterThisTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
