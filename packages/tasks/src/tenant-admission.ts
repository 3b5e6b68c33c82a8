import type { MeshConfig } from '@mesh/config';
import { BudgetExhaustedError, budgetExhaustedMessage, exhaustedBudget, QueuedTaskCapError } from '@mesh/core';
import { BudgetReader } from './budget-reader';
import { startTask, type StartOutcome } from './task-control';
import type { TaskControlDeps } from './task-control-deps';

/** What admission reads: the cap of queued or running tasks per tenant (0: no cap). */
export type AdmissionDeps = TaskControlDeps & { config: Pick<MeshConfig, 'limits' | 'budgetCheckMaxAgeMs'> };

/**
 * How long a count that found a tenant at its cap is trusted: during a burst the refusals are
 * answered from memory instead of a query each, so the database load of a flood stays bounded.
 * A slot that frees meanwhile is offered at most this much later (the client was told to retry
 * in 5 s anyway). Only refusals are remembered, never a pass.
 */
const AT_CAP_MEMORY_MS = 250;
/** Bounded: a flood of tenants cannot grow the memory past this (entries are only useful for 250 ms). */
const AT_CAP_MEMORY_TENANTS = 10_000;

/**
 * The one answer to "may this tenant start a task?": a tenant that already has
 * `maxQueuedTasksPerTenant` tasks queued or running may not start another (429, nothing
 * changed). The early check is cheap and its refusals are always right (only starts raise the
 * count); the start itself counts and transitions under a per-tenant lock (TaskRepository
 * `withQueuedCap`), so concurrent starts in any number of API processes never pass the cap.
 * One instance per process: it remembers recent refusals.
 */
export class TenantAdmission {
  /** `<cap>:<tenant>` → when the count was taken, and the count. */
  private readonly atCap = new Map<string, { at: number; unfinished: number }>();
  private budgets: BudgetReader | undefined;

  /**
   * Throws QueuedTaskCapError when the tenant is at its cap, BudgetExhaustedError (402) when a
   * budget of the tenant or of the network is used up for its period.
   */
  async assertMayStart(deps: AdmissionDeps, tenantId: string, networkId?: string): Promise<void> {
    if (networkId !== undefined) {
      this.budgets ??= new BudgetReader(deps.store, deps.config.budgetCheckMaxAgeMs);
      const exhausted = exhaustedBudget(await this.budgets.binding(tenantId, networkId));
      if (exhausted) throw new BudgetExhaustedError(budgetExhaustedMessage(exhausted), { budget_id: exhausted.id, period: exhausted.period });
    }
    const cap = deps.config.limits.maxQueuedTasksPerTenant;
    if (cap <= 0) return;
    const key = `${cap}:${tenantId}`;
    const remembered = this.atCap.get(key);
    if (remembered && Date.now() - remembered.at < AT_CAP_MEMORY_MS) throw new QueuedTaskCapError(remembered.unfinished, cap);
    const unfinished = await deps.store.tasks.countUnfinished(tenantId);
    if (unfinished >= cap) {
      if (this.atCap.size >= AT_CAP_MEMORY_TENANTS) this.atCap.clear();
      this.atCap.set(key, { at: Date.now(), unfinished });
      throw new QueuedTaskCapError(unfinished, cap);
    }
  }

  /** `startTask` with the cap made exact; throws QueuedTaskCapError (nothing started) at the cap. */
  start(deps: AdmissionDeps, tenantId: string, taskId: string, trace?: Record<string, string>): Promise<StartOutcome> {
    const cap = deps.config.limits.maxQueuedTasksPerTenant;
    const store = cap > 0 ? { ...deps.store, tasks: deps.store.tasks.withQueuedCap(cap) } : deps.store;
    return startTask({ ...deps, store }, tenantId, taskId, trace);
  }

  /**
   * Starts a task the same request has just stored. Refused at the cap (a race the early check
   * let through), the stored row is removed again, so the 429 leaves nothing behind.
   */
  async startSubmitted(deps: AdmissionDeps, tenantId: string, taskId: string, trace?: Record<string, string>): Promise<StartOutcome> {
    try {
      return await this.start(deps, tenantId, taskId, trace);
    } catch (err) {
      if (err instanceof QueuedTaskCapError) await deps.store.tasks.deletePending(tenantId, taskId);
      throw err;
    }
  }
}
