import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { COORDINATOR_TYPE, MeshError, ValidationError } from '@mesh/core';
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
 * 400 for a URL that does not decode to UTF-8 without NUL bytes. Bull Board answers 500 to both:
 * it decodes `activeQueue` unguarded, and its validation messages are NUL-separated, so a NUL in
 * a query value breaks the parsing of its own error.
 */
const refuseUndecodableUrl: RequestHandler = (req, _res, next) => {
  let decoded: string;
  try {
    decoded = decodeURIComponent(req.originalUrl);
  } catch {
    decoded = '\u0000';
  }
  if (decoded.includes('\u0000')) throw new ValidationError('Invalid request URL', [{ path: 'url', message: 'must be valid percent-encoded UTF-8 without NUL bytes' }]);
  next();
};

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
  router.use(...options.guard, adminOnly(deps.config.adminTenants), refuseUndecodableUrl, async (_req, _res, next) => {
    await refreshQueues();
    next();
  });
  router.use(serverAdapter.getRouter() as RequestHandler);
  return router;
}
