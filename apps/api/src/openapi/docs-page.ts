import { dirname, join } from 'node:path';

/**
 * The API reference page: Swagger UI (swagger-ui-dist, served by the API itself from its own
 * node_modules, never from a CDN) rendering the OpenAPI document of the same server. Swagger UI
 * resolves `$ref`s, renders the descriptions' Markdown and shows the examples; "Try it out" sends
 * requests with the browser's credentials for this origin.
 */

/** Where the page's files are served, under the API's base path. */
export const DOCS_ASSETS_PATH = '/docs/assets';

/** swagger-ui-dist's folder, wherever npm put it. */
export const SWAGGER_UI_DIR = dirname(require.resolve('swagger-ui-dist/package.json'));

/** The files of swagger-ui-dist the page uses (nothing else in the folder is served). */
export const SWAGGER_UI_FILES: Readonly<Record<string, string>> = {
  'swagger-ui.css': join(SWAGGER_UI_DIR, 'swagger-ui.css'),
  'swagger-ui-bundle.js': join(SWAGGER_UI_DIR, 'swagger-ui-bundle.js'),
  'favicon-32x32.png': join(SWAGGER_UI_DIR, 'favicon-32x32.png'),
};

/**
 * Starts Swagger UI on the document named by the page's `data-spec`. A file of its own, so the
 * page runs no inline script. No validator badge (it would send the document to
 * validator.swagger.io).
 */
export const DOCS_INIT_SCRIPT = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: document.body.dataset.spec,
    dom_id: '#swagger-ui',
    deepLinking: true,
    docExpansion: 'list',
    defaultModelsExpandDepth: 0,
    displayRequestDuration: true,
    validatorUrl: null,
    withCredentials: true,
  });
});
`;
export const DOCS_INIT_FILE = 'docs-init.js';

/**
 * Scripts and styles come from this origin only. Swagger UI sets inline style attributes, hence
 * 'unsafe-inline' for styles (no script is inline); its images are data: URIs.
 */
export const DOCS_CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const escapeAttribute = (value: string) => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

export function renderDocsPage(options: { specUrl: string; assetsUrl: string }): string {
  const spec = escapeAttribute(options.specUrl);
  const assets = escapeAttribute(options.assetsUrl);
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Agent Mesh API reference</title>
<link rel="stylesheet" href="${assets}/swagger-ui.css"><link rel="icon" type="image/png" href="${assets}/favicon-32x32.png"></head>
<body data-spec="${spec}">
<div id="swagger-ui"></div>
<script src="${assets}/swagger-ui-bundle.js"></script>
<script src="${assets}/${DOCS_INIT_FILE}"></script>
</body>
</html>`;
}
