import { RateLimitedError } from '@mesh/core';
import type { ApiDeps } from './api-deps';

/** What a tenant at its cap is told to wait before trying again. */
export const QUEUED_TASK_CAP_RETRY_AFTER_SECONDS = 5;

/**
 * Per-tenant backpressure: a tenant that already has `maxQueuedTasksPerTenant` tasks queued or
 * running may not start another (429, nothing changed). 0 turns the cap off. The count and the
 * start are not one transaction, so concurrent starts can pass the cap by a few: it is a brake,
 * not a quota.
 */
export async function assertTenantMayStartTask(deps: ApiDeps, tenantId: string): Promise<void> {
  const cap = deps.config.limits.maxQueuedTasksPerTenant;
  if (cap <= 0) return;
  const unfinished = await deps.store.tasks.countQueuedForTenant(tenantId);
  if (unfinished >= cap) {
    throw new RateLimitedError(
      `The tenant already has ${unfinished} tasks queued or running (limit ${cap}); start more when some have finished`,
      QUEUED_TASK_CAP_RETRY_AFTER_SECONDS,
    );
  }
}
