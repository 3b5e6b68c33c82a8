import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import type { MeshConfig } from '@mesh/config';
import { ServiceUnavailableError } from '@mesh/core';
import express, { type RequestHandler, type Router } from 'express';
import { ApiKeyResolver, authenticate, type AuthOptions } from './middleware/auth';

/** Where the console is served. */
export const CONSOLE_BASE_PATH = '/console';

/** apps/console/dist, from apps/api/src (tests, ts-node) and apps/api/dist (the built API) alike. */
export const DEFAULT_CONSOLE_DIR = resolve(__dirname, '..', '..', 'console', 'dist');

export interface ConsoleOptions {
  /** The built console (index.html and assets/). Default: DEFAULT_CONSOLE_DIR. */
  distDir?: string;
}

/**
 * Browsers must not store model output rendered by the console anywhere else, nor run anything
 * that did not come from the console's own files.
 */
const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

const securityHeaders: RequestHandler = (_req, res, next) => {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
  next();
};

/**
 * The web console (apps/console, a Vite build) behind the API's key auth: a browser gets 401 with
 * `WWW-Authenticate: Basic` and prompts (any user name, the API key as password). Hashed assets
 * are cached for a year (their names change with their content); index.html is revalidated every
 * time and answers every client route (`/console/networks/…`). When the console was not built,
 * 503 in the API's error shape says so.
 */
/** What the console needs of the API's dependencies: its keys. */
export interface ConsoleDeps {
  config: Pick<MeshConfig, 'apiKeys'> & Partial<Pick<MeshConfig, 'traceUrlTemplate'>>;
  store: { apiKeys: AuthOptions['keyStore'] };
}

export function createConsoleRouter(deps: ConsoleDeps, options: ConsoleOptions = {}): Router {
  const distDir = resolve(options.distDir ?? DEFAULT_CONSOLE_DIR);
  const indexFile = join(distDir, 'index.html');
  const router = express.Router();
  router.use(authenticate(new ApiKeyResolver({ apiKeys: deps.config.apiKeys, keyStore: deps.store.apiKeys })));
  router.use(securityHeaders);
  router.use((_req, _res, next) => {
    // Checked per request, so building the console while the API runs is enough.
    if (!existsSync(indexFile)) {
      throw new ServiceUnavailableError(`The console is not built: ${indexFile} is missing (run \`npm run build\`)`);
    }
    next();
  });
  router.use(
    '/assets',
    express.static(join(distDir, 'assets'), { index: false, fallthrough: false, immutable: true, maxAge: '365d', redirect: false }),
  );
  router.use(express.static(distDir, { index: false, redirect: false, maxAge: 0, setHeaders: (res) => res.setHeader('Cache-Control', 'no-cache') }));
  router.use((req, res, next) => {
    // A missing file (it has an extension) is a 404; any other GET is a client route.
    if ((req.method !== 'GET' && req.method !== 'HEAD') || extname(req.path) !== '') {
      next();
      return;
    }
    res.setHeader('Cache-Control', 'no-cache');
    const template = deps.config.traceUrlTemplate;
    if (!template) {
      res.sendFile(indexFile, (err) => {
        if (err) next(err);
      });
      return;
    }
    // The operator's trace viewer (MESH_TRACE_URL_TEMPLATE) for the task page's trace link, as a meta tag: no inline script.
    readFile(indexFile, 'utf8').then(
      (html) => res.type('html').send(withMeta(html, 'mesh-trace-url-template', template)),
      (err: unknown) => next(err),
    );
  });
  return router;
}

const escapeAttribute = (value: string) => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** `html` with `<meta name content>` at the end of its head (after the doctype when it has no head element). */
export function withMeta(html: string, name: string, content: string): string {
  const tag = `<meta name="${escapeAttribute(name)}" content="${escapeAttribute(content)}">`;
  if (html.includes('</head>')) return html.replace('</head>', `${tag}</head>`);
  const doctype = /^<!doctype html>/i.exec(html);
  return doctype ? `${doctype[0]}${tag}${html.slice(doctype[0].length)}` : `${tag}${html}`;
}
