import express, { type Router } from 'express';
import { ApiKeyResolver, authenticate } from './middleware/auth';
import type { ConsoleDeps } from './console-static';
import { DOCS_CONTENT_SECURITY_POLICY, DOCS_INIT_FILE, DOCS_INIT_SCRIPT, SWAGGER_UI_FILES } from './openapi/docs-page';

/**
 * The files of the API reference page (openapi/docs-page.ts) behind the API's key auth, like the
 * page itself: Swagger UI's script, style and icon from swagger-ui-dist, and the page's start-up
 * script. Any other name is a 404; nothing else of node_modules is reachable.
 */
export function createDocsAssetsRouter(deps: ConsoleDeps): Router {
  const router = express.Router();
  router.use(authenticate(new ApiKeyResolver({ apiKeys: deps.config.apiKeys, keyStore: deps.store.apiKeys })));
  router.get('/:file', (req, res, next) => {
    res.setHeader('Content-Security-Policy', DOCS_CONTENT_SECURITY_POLICY);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    const file = req.params.file;
    if (file === DOCS_INIT_FILE) {
      res.setHeader('Cache-Control', 'no-cache');
      res.type('text/javascript').send(DOCS_INIT_SCRIPT);
      return;
    }
    const path = Object.hasOwn(SWAGGER_UI_FILES, file) ? SWAGGER_UI_FILES[file] : undefined;
    if (!path) {
      next();
      return;
    }
    // The package's files change only with its version: an hour is plenty and survives upgrades.
    res.sendFile(path, { maxAge: '1h' }, (err) => {
      if (err) next(err);
    });
  });
  return router;
}
