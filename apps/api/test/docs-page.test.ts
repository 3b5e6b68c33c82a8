import { readFileSync } from 'node:fs';
import { Script } from 'node:vm';
import { DOCS_INIT_SCRIPT, SWAGGER_UI_FILES } from '../src/openapi/docs-page';
import { API_BASE_PATH } from '../src/routes/api-routes';
import { startApiHarness, type ApiHarness } from './api-harness';

let h: ApiHarness;
const AUTH = { authorization: `Basic ${Buffer.from('docs:key-tenant-a-123').toString('base64')}` };
const ASSETS = `${API_BASE_PATH}/docs/assets`;
beforeAll(async () => {
  h = await startApiHarness('api-docs-page');
});
afterAll(async () => {
  await h.close();
});

describe('API reference page', () => {
  it('is Swagger UI served from the API itself: no external resource, no inline script, the page names the document', async () => {
    const res = await fetch(`${h.url}${API_BASE_PATH}/docs`, { headers: AUTH });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).toContain(`data-spec="${API_BASE_PATH}/openapi.json"`);
    expect(html).not.toMatch(/<script>/);
    expect([...html.matchAll(/<script src="([^"]+)"><\/script>/g)].map((m) => m[1])).toEqual([`${ASSETS}/swagger-ui-bundle.js`, `${ASSETS}/docs-init.js`]);
    expect(html).toContain(`<link rel="stylesheet" href="${ASSETS}/swagger-ui.css">`);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe/);
    expect(csp).toContain("connect-src 'self'");
  });

  it("serves swagger-ui-dist's own files and the start-up script, behind the key; any other name is a 404", async () => {
    const bundle = await fetch(`${h.url}${ASSETS}/swagger-ui-bundle.js`, { headers: AUTH });
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toMatch(/javascript/);
    expect(Buffer.from(await bundle.arrayBuffer()).equals(readFileSync(SWAGGER_UI_FILES['swagger-ui-bundle.js']!))).toBe(true);
    const css = await fetch(`${h.url}${ASSETS}/swagger-ui.css`, { headers: AUTH });
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    const init = await fetch(`${h.url}${ASSETS}/docs-init.js`, { headers: AUTH });
    expect(init.status).toBe(200);
    const script = await init.text();
    expect(script).toBe(DOCS_INIT_SCRIPT);
    expect(() => new Script(script)).not.toThrow();
    // The online validator would send the document elsewhere.
    expect(script).toContain('validatorUrl: null');

    expect((await fetch(`${h.url}${ASSETS}/swagger-ui-bundle.js`)).status).toBe(401);
    for (const name of ['package.json', 'index.html', 'swagger-initializer.js', '..%2F..%2Fpackage.json', '%2e%2e%2fpackage.json']) {
      const res = await fetch(`${h.url}${ASSETS}/${name}`, { headers: AUTH });
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_found');
    }
  });

  it('gives renderers plain-text summaries (no literal backticks); the Markdown lives in the descriptions', async () => {
    const doc = (await (await fetch(`${h.url}${API_BASE_PATH}/openapi.json`, { headers: AUTH })).json()) as { paths: Record<string, Record<string, { summary: string }>> };
    const summaries = Object.values(doc.paths).flatMap((methods) => Object.values(methods).map((op) => op.summary));
    expect(summaries.length).toBeGreaterThan(30);
    expect(summaries.filter((s) => s.includes('`'))).toEqual([]);
  });
});
