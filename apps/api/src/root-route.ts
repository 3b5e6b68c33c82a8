import express, { type Router } from 'express';
import { CONSOLE_BASE_PATH } from './console-static';
import { API_BASE_PATH } from './routes/api-routes';

/** What `GET /` points at: paths only, so it needs no key (what they serve still does, health aside). */
export const ROOT_LINKS = {
  name: 'Agent Mesh',
  console: `${CONSOLE_BASE_PATH}/`,
  docs: `${API_BASE_PATH}/docs`,
  openapi: `${API_BASE_PATH}/openapi.json`,
  health: `${API_BASE_PATH}/health`,
} as const;

/**
 * `GET /` (and `HEAD /`) for whoever opens the API's address: a browser (it prefers text/html) is
 * redirected to the console, which asks for the key; anything else gets ROOT_LINKS as JSON.
 * Only `/` itself: other unknown paths stay 404.
 */
export function createRootRouter(): Router {
  // Strict: `//` is not `/` (it stays 404 like any unknown path).
  const router = express.Router({ strict: true });
  router.get('/', (req, res) => {
    res.setHeader('Vary', 'Accept');
    res.setHeader('Cache-Control', 'no-cache');
    // No Accept header, */* (curl) or application/json: JSON, the first listed.
    if (req.accepts(['application/json', 'text/html']) === 'text/html') {
      res.redirect(302, ROOT_LINKS.console);
      return;
    }
    res.json(ROOT_LINKS);
  });
  return router;
}
