import { NotFoundError } from '@mesh/core';
import type { ApiDeps } from './api-deps';

/** 404 unless the network exists for this tenant (another tenant's looks exactly like a missing one). */
export async function requireNetwork(deps: Pick<ApiDeps, 'store'>, tenantId: string, networkId: string): Promise<void> {
  if (!(await deps.store.networks.exists(tenantId, networkId))) throw new NotFoundError('Network', networkId);
}
