import { agentRoutes } from './agents-routes';
import { approvalRoutes } from './approvals-routes';
import { attachmentRoutes } from './attachments-routes';
import { budgetRoutes } from './budget-routes';
import { docsRoutes } from './docs-routes';
import { evalRoutes } from './evals-routes';
import { feedbackRoutes } from './feedback-routes';
import { healthRoutes } from './health-routes';
import { memoryRoutes } from './memory-routes';
import { networkRoutes } from './networks-routes';
import type { RouteDefinition } from './route-definition';
import { runRoutes } from './runs-routes';
import { statsRoutes } from './stats-routes';
import { taskCallRoutes } from './task-calls-routes';
import { taskEventRoutes } from './task-events-routes';
import { taskRoutes } from './tasks-routes';
import { toolRoutes } from './tools-routes';

/** Base path of every route below. */
export const API_BASE_PATH = '/api/mesh';

/**
 * Every route of the API in one table: what the router mounts, and what the OpenAPI document
 * (and later SSE and other routes) are generated from or added to.
 */
export const API_ROUTES: readonly RouteDefinition[] = [
  ...healthRoutes,
  ...networkRoutes,
  ...agentRoutes,
  ...toolRoutes,
  ...taskRoutes,
  ...attachmentRoutes,
  ...taskEventRoutes,
  ...taskCallRoutes,
  ...runRoutes,
  ...feedbackRoutes,
  ...statsRoutes,
  ...approvalRoutes,
  ...budgetRoutes,
  ...memoryRoutes,
  ...evalRoutes,
  ...docsRoutes({ routes: () => API_ROUTES, basePath: API_BASE_PATH }),
];
