import { agentRoutes } from './agents-routes';
import { healthRoutes } from './health-routes';
import { memoryRoutes } from './memory-routes';
import { networkRoutes } from './networks-routes';
import type { RouteDefinition } from './route-definition';
import { taskRoutes } from './tasks-routes';

/** Base path of every route below. */
export const API_BASE_PATH = '/api/mesh';

/**
 * Every route of the API in one table: what the router mounts, and what the OpenAPI document
 * (and later SSE and other routes) are generated from or added to.
 */
export const API_ROUTES: readonly RouteDefinition[] = [...healthRoutes, ...networkRoutes, ...agentRoutes, ...taskRoutes, ...memoryRoutes];
