import type { MeshConfig } from '@mesh/config';
import { describeError } from '@mesh/core';
import type { Logger } from '@mesh/observability';
import type { Store } from '@mesh/store';

/**
 * Makes MESH_BUDGETS the configured budgets in Postgres (the API and every coordinator do it at
 * start; the same setting gives the same rows). A failure is logged, not fatal: the budgets that
 * were stored before still hold.
 */
export async function syncConfiguredBudgets(store: Store, config: Pick<MeshConfig, 'budgets'>, logger: Logger): Promise<void> {
  try {
    await store.budgets.syncConfigured(config.budgets);
    if (config.budgets.length > 0) logger.info('budgets from MESH_BUDGETS', { budgets: config.budgets.length });
  } catch (err) {
    logger.error('could not store the budgets of MESH_BUDGETS', { error: describeError(err) });
  }
}
