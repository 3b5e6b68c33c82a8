import { isServed, unservedMessage } from '@mesh/queue';
import type { EngineDeps } from '../engine-deps';

/**
 * Queued subtasks that no live worker can take. A type that has had no live worker for the grace
 * period (counted from the first sweep that saw it unserved) has its queued subtasks failed with
 * the reason and the fix, and their waiting jobs removed, so each wave moves on and the task goes
 * on with what succeeded. A worker for the type that starts later makes it served again.
 */
export class UnservedSubtasks {
  private readonly unservedSince = new Map<string, number>();

  constructor(
    private readonly deps: EngineDeps,
    private readonly graceMs: number,
  ) {}

  /** One check (the recovery sweeper's leader runs it each sweep); the number of subtasks failed. */
  async check(now = Date.now()): Promise<number> {
    const { fleet, store, queues } = this.deps;
    if (!fleet) return 0;
    const served = await fleet.served();
    const waiting = await store.subtasks.queuedAgentTypes();
    for (const type of this.unservedSince.keys()) if (!waiting.includes(type)) this.unservedSince.delete(type);
    let failed = 0;
    for (const type of waiting) {
      if (isServed(served, type)) {
        this.unservedSince.delete(type);
        continue;
      }
      const since = this.unservedSince.get(type) ?? now;
      this.unservedSince.set(type, since);
      if (now - since < this.graceMs) continue;
      const error = `${unservedMessage(type)} (none for ${Math.round((now - since) / 1000)} s)`;
      const subtasks = await store.subtasks.failQueuedOfType(type, error);
      for (const s of subtasks) {
        this.deps.events.publishQuietly({ type: 'subtask.status', task_id: s.task_id, subtask_id: s.id, key: s.key, agent_type: s.agent_type, status: 'failed', at: new Date().toISOString() });
      }
      // Their jobs leave the queue: each wave parent then runs and moves its iteration on.
      await queues.removeWaitingSubtaskJobs(type, new Set(subtasks.map((s) => s.id)));
      this.deps.metrics?.unservedSubtasksFailed(type, subtasks.length);
      if (subtasks.length > 0) this.deps.logger.warn('subtasks failed: no worker serves their agent type', { agent_type: type, subtasks: subtasks.length });
      failed += subtasks.length;
    }
    return failed;
  }
}
