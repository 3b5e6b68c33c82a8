/**
 * The model calls this process is making, by task, so that a stop (cancel, timeout, network
 * delete) published by any process can abort them here.
 */
export class InFlightCalls {
  private readonly byTask = new Map<string, Set<AbortController>>();

  /**
   * A signal for one call of `taskId` that fires at the task's deadline, when the task is
   * stopped, or when `parent` fires. Call `release` when the call is over.
   */
  open(taskId: string, deadlineAt: Date | null, parent?: AbortSignal): { signal: AbortSignal; release: () => void } {
    const controller = new AbortController();
    let set = this.byTask.get(taskId);
    if (!set) {
      set = new Set();
      this.byTask.set(taskId, set);
    }
    set.add(controller);
    const signals = [controller.signal];
    if (parent) signals.push(parent);
    if (deadlineAt) signals.push(AbortSignal.timeout(Math.max(1, deadlineAt.getTime() - Date.now())));
    return {
      signal: signals.length === 1 ? controller.signal : AbortSignal.any(signals),
      release: () => {
        const current = this.byTask.get(taskId);
        current?.delete(controller);
        if (current && current.size === 0) this.byTask.delete(taskId);
      },
    };
  }

  abortTask(taskId: string, reason: string): number {
    const set = this.byTask.get(taskId);
    if (!set) return 0;
    for (const controller of set) controller.abort(new Error(reason));
    this.byTask.delete(taskId);
    return set.size;
  }

  get size(): number {
    let n = 0;
    for (const set of this.byTask.values()) n += set.size;
    return n;
  }
}
