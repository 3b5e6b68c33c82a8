import { z } from 'zod';
import { buildOpenApiDocument, type OpenApiDocument } from '../openapi/openapi-document';
import { DOCS_ASSETS_PATH, DOCS_CONTENT_SECURITY_POLICY, renderDocsPage } from '../openapi/docs-page';
import { defineRoute, type RouteDefinition } from './route-definition';

export interface DocsRoutesOptions {
  /** The table to document, read on first request (it includes these routes). */
  routes: () => readonly RouteDefinition[];
  basePath: string;
}

/** `/openapi.json` and `/docs` over a route table (a factory, so this module never imports the table). */
export function docsRoutes(options: DocsRoutesOptions): RouteDefinition[] {
  let document: OpenApiDocument | undefined;
  // Built once: the route table does not change while the process runs.
  const openApiDocument = (version: string): OpenApiDocument => {
    document ??= buildOpenApiDocument(options.routes(), { basePath: options.basePath, version });
    return document;
  };
  return [
    defineRoute({
      method: 'get',
      path: '/openapi.json',
      summary: 'This API as an OpenAPI 3.1 document, generated from the schemas requests are validated with',
      tag: 'docs',
      responses: { 200: { description: 'The OpenAPI document', schema: z.looseObject({ openapi: z.literal('3.1.0') }) } },
      async handle({ deps }) {
        return { status: 200, body: openApiDocument(deps.version), headers: { 'Cache-Control': 'no-cache' } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/docs',
      summary: 'Browsable API reference: Swagger UI, served by the API itself, on the OpenAPI document (no external resources)',
      tag: 'docs',
      responses: { 200: { description: 'An HTML page', schema: z.string(), contentType: 'text/html' } },
      async handle() {
        return {
          status: 200,
          respond: (res) => {
            res.setHeader('Content-Security-Policy', DOCS_CONTENT_SECURITY_POLICY);
            res.setHeader('X-Content-Type-Options', 'nosniff');
            res.type('html').send(renderDocsPage({ specUrl: `${options.basePath}/openapi.json`, assetsUrl: `${options.basePath}${DOCS_ASSETS_PATH}` }));
          },
        };
      },
    }),
  ];
}
