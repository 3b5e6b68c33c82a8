import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { COORDINATOR_TYPE, MeshError } from '@mesh/core';
import { agentQueueName, COORDINATOR_QUEUE, WEBHOOKS_QUEUE } from '@mesh/queue';
import express, { type RequestHandler, type Router } from 'express';
import type { ApiDeps } from './api-deps';
import './request-locals';

/** Where Bull Board is mounted. */
export const BULL_BOARD_PATH = '/admin/queues';

export interface BullBoardOptions {
  /** Authentication (and rate limit) in front of the board: the API's own. */
  guard: RequestHandler[];
}

/** 403 for tenants outside MESH_ADMIN_TENANTS when it is set: the board shows every tenant's jobs. */
function adminOnly(adminTenants: string[] | null): RequestHandler {
  return (_req, res, next) => {
    if (adminTenants !== null && !adminTenants.includes(res.locals.tenantId ?? '')) {
      throw new MeshError('unauthorized', 403, 'This API key may not use the operator surfaces (MESH_ADMIN_TENANTS)');
    }
    next();
  };
}

/**
 * Bull Board over every queue of the deployment: the coordinator queue, the webhooks queue and
 * one queue per agent type in use, custom types added at run time included (the list is read
 * again, when the board is used, at most every MESH_AGENT_DISCOVERY_MS). Behind the API's key auth; browsers
 * use Basic auth with the key as password.
 */
export function createBullBoardRouter(deps: Pick<ApiDeps, 'store' | 'queues' | 'config' | 'logger'>, options: BullBoardOptions): Router {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(BULL_BOARD_PATH);
  const board = createBullBoard({ queues: [], serverAdapter, options: { uiConfig: { boardTitle: 'Agent Mesh' } } });
  let shown = '';
  let checkedAt = 0;
  let refreshing: Promise<void> | undefined;

  const refreshQueues = async (): Promise<void> => {
    // As often as workers look for new agent types (MESH_AGENT_DISCOVERY_MS).
    if (Date.now() - checkedAt < deps.config.worker.agentDiscoveryMs) return;
    refreshing ??= (async () => {
      const types = (await deps.store.agents.distinctTypes()).filter((type) => type !== COORDINATOR_TYPE);
      const names = [COORDINATOR_QUEUE, WEBHOOKS_QUEUE, ...types.map(agentQueueName)];
      const key = names.join('\n');
      if (key !== shown) {
        board.replaceQueues(names.map((name) => new BullMQAdapter(deps.queues.queue(name))));
        shown = key;
      }
      checkedAt = Date.now();
    })().finally(() => {
      refreshing = undefined;
    });
    await refreshing;
  };

  const router = express.Router();
  router.use(...options.guard, adminOnly(deps.config.adminTenants), async (_req, _res, next) => {
    await refreshQueues();
    next();
  });
  router.use(serverAdapter.getRouter() as RequestHandler);
  return router;
}
