import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nullLogger } from '@mesh/observability';
import express from 'express';
import { CONSOLE_BASE_PATH, createConsoleRouter, DEFAULT_CONSOLE_DIR, withMeta } from './console-static';
import { errorHandler, notFoundHandler } from './middleware/error-handler';

const KEY = 'console-key-123456';
const basic = (password: string) => `Basic ${Buffer.from(`anyone:${password}`).toString('base64')}`;
const deps = { config: { apiKeys: [{ tenantId: 'tenant-a', key: KEY }] }, store: { apiKeys: { tenantFor: async () => null } } };

async function serve(distDir: string, traceUrlTemplate?: string): Promise<{ url: string; server: Server }> {
  const app = express();
  app.use(CONSOLE_BASE_PATH, createConsoleRouter({ ...deps, config: { ...deps.config, ...(traceUrlTemplate ? { traceUrlTemplate } : {}) } }, { distDir }));
  app.use(notFoundHandler);
  app.use(errorHandler(nullLogger));
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

let dir: string;
let built: { url: string; server: Server };
let unbuilt: { url: string; server: Server };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'console-static-'));
  const dist = join(dir, 'dist');
  mkdirSync(join(dist, 'assets'), { recursive: true });
  writeFileSync(join(dist, 'index.html'), '<!doctype html><title>console</title><script type="module" src="/console/assets/index-abc123.js"></script>');
  writeFileSync(join(dist, 'assets', 'index-abc123.js'), 'console.log("hi")');
  built = await serve(dist);
  unbuilt = await serve(join(dir, 'missing'));
});

afterAll(async () => {
  await new Promise((resolve) => built.server.close(resolve));
  await new Promise((resolve) => unbuilt.server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe('the console route', () => {
  it('answers 401 with a Basic challenge without a key, so a browser prompts for it', async () => {
    for (const headers of [{}, { authorization: basic('wrong-key-000000') }] as Record<string, string>[]) {
      const res = await fetch(`${built.url}/console/`, { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Basic realm="agent-mesh"');
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    }
  });

  it('serves index.html for /console, /console/ and client routes, revalidated every time, with a strict CSP', async () => {
    for (const path of ['/console', '/console/', '/console/networks/8a1b/tasks/77c2']) {
      const res = await fetch(`${built.url}${path}`, { headers: { authorization: basic(KEY) } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/html');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(await res.text()).toContain('<title>console</title>');
    }
  });

  it('serves hashed assets with immutable caching, to Bearer and X-API-Key as well', async () => {
    for (const headers of [{ authorization: `Bearer ${KEY}` }, { 'x-api-key': KEY }] as Record<string, string>[]) {
      const res = await fetch(`${built.url}/console/assets/index-abc123.js`, { headers });
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(await res.text()).toBe('console.log("hi")');
    }
  });

  it('answers 404 in the error shape for a missing file, never index.html', async () => {
    for (const path of ['/console/assets/gone-123.js', '/console/favicon.ico']) {
      const res = await fetch(`${built.url}${path}`, { headers: { authorization: basic(KEY) } });
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_found');
    }
  });

  it('answers 503 with a clear error when the console was not built', async () => {
    const res = await fetch(`${unbuilt.url}/console/`, { headers: { authorization: basic(KEY) } });
    expect(res.status).toBe(503);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('unavailable');
    expect(body.error.message).toContain('The console is not built');
    expect(body.error.message).toContain('npm run build');
  });

  it('looks for the build in apps/console/dist', () => {
    expect(DEFAULT_CONSOLE_DIR.replace(/\\/g, '/')).toMatch(/\/apps\/console\/dist$/);
  });
});

describe("the console's trace link setting", () => {
  it('puts MESH_TRACE_URL_TEMPLATE into index.html as a meta tag (escaped) on client routes, and nothing without it', async () => {
    const dist = join(dir, 'dist');
    const traced = await serve(dist, 'https://traces.example.com/trace/{trace_id}?q="x"&y=<z>');
    try {
      const res = await fetch(`${traced.url}/console/networks/abc`, { headers: { authorization: basic(KEY) } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(await res.text()).toBe(
        '<!doctype html><meta name="mesh-trace-url-template" content="https://traces.example.com/trace/{trace_id}?q=&quot;x&quot;&amp;y=&lt;z&gt;"><title>console</title><script type="module" src="/console/assets/index-abc123.js"></script>',
      );
    } finally {
      await new Promise((resolve) => traced.server.close(resolve));
    }
    const plain = await fetch(`${built.url}/console/networks/abc`, { headers: { authorization: basic(KEY) } });
    expect(await plain.text()).not.toContain('mesh-trace-url-template');
  });

  it('adds the tag at the end of the head when there is one', () => {
    expect(withMeta('<html><head><title>t</title></head><body></body></html>', 'n', 'v')).toBe('<html><head><title>t</title><meta name="n" content="v"></head><body></body></html>');
  });
});
