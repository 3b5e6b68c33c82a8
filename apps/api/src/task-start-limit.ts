import { QueuedTaskCapError } from '@mesh/core';
import { startTask, type StartOutcome } from '@mesh/mesh';
import type { ApiDeps } from './api-deps';

/** What a tenant at its cap is told to wait before trying again. */
export const QUEUED_TASK_CAP_RETRY_AFTER_SECONDS = QueuedTaskCapError.RETRY_AFTER_SECONDS;

/**
 * How long a count that found a tenant at its cap is trusted: during a burst the refusals are
 * answered from memory instead of a query each, so the database load of a flood stays bounded.
 * A slot that frees meanwhile is offered at most this much later (the client was told to retry
 * in 5 s anyway). Only refusals are remembered, never a pass.
 */
const AT_CAP_MEMORY_MS = 250;
/** Per set of deps (an API process, or a test's server variant): tenant → when its cap count was taken, and the count. */
const atCap = new WeakMap<ApiDeps, Map<string, { at: number; unfinished: number }>>();

/**
 * Per-tenant backpressure, the cheap early check: a tenant that already has
 * `maxQueuedTasksPerTenant` tasks queued or running may not start another (429, nothing
 * changed). 0 turns the cap off. A refusal here is always right (only starts raise the count);
 * a pass is confirmed under a lock by `startTaskWithinCap`.
 */
export async function assertTenantMayStartTask(deps: ApiDeps, tenantId: string): Promise<void> {
  const cap = deps.config.limits.maxQueuedTasksPerTenant;
  if (cap <= 0) return;
  const remembered = atCap.get(deps)?.get(tenantId);
  if (remembered && Date.now() - remembered.at < AT_CAP_MEMORY_MS) throw new QueuedTaskCapError(remembered.unfinished, cap);
  const unfinished = await deps.store.tasks.countQueuedForTenant(tenantId);
  if (unfinished >= cap) {
    rememberAtCap(deps, tenantId, unfinished);
    throw new QueuedTaskCapError(unfinished, cap);
  }
}

function rememberAtCap(deps: ApiDeps, tenantId: string, unfinished: number): void {
  let tenants = atCap.get(deps);
  if (!tenants) atCap.set(deps, (tenants = new Map()));
  // Bounded: a flood of tenants cannot grow it past this (entries are only useful for 250 ms).
  if (tenants.size >= 10_000) tenants.clear();
  tenants.set(tenantId, { at: Date.now(), unfinished });
}

/**
 * `startTask` with the cap made exact: the pending → queued transition runs with a store whose
 * `markQueued` counts and transitions under a per-tenant advisory lock (TaskRepository
 * `withQueuedCap`), so concurrent starts — in this process or another API process — can never
 * pass the cap. Throws QueuedTaskCapError (429) when the tenant is at it; nothing is started then.
 */
export function startTaskWithinCap(deps: ApiDeps, tenantId: string, taskId: string, trace?: Record<string, string>): Promise<StartOutcome> {
  const cap = deps.config.limits.maxQueuedTasksPerTenant;
  const store = cap > 0 ? { ...deps.store, tasks: deps.store.tasks.withQueuedCap(cap) } : deps.store;
  return startTask({ ...deps, store }, tenantId, taskId, trace);
}
