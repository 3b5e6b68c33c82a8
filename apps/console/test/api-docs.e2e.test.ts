import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, type LaunchedProcess, type TestEnv } from '@mesh/testing';
import type { Page } from 'playwright-core';
import { openConsoleBrowser, startConsoleApi, type ConsoleBrowser } from './browser-harness';

/**
 * The API reference at /api/mesh/docs in a real browser: Swagger UI, served by the API, renders
 * the document (title, tags, operations, schemas with their `$ref`s resolved) with the key's
 * credentials and without a single Content-Security-Policy violation or request to another origin.
 * Needs Debian's chromium.
 */

const RESULTS_DIR = join(REPO_ROOT, 'test-results');

let t: TestEnv;
let api: LaunchedProcess;
let apiUrl: string;
let consoleBrowser: ConsoleBrowser;
let page: Page;
const elsewhere: string[] = [];

beforeAll(async () => {
  ({ t, api, apiUrl } = await startConsoleApi('api-docs'));
  consoleBrowser = await openConsoleBrowser();
  page = consoleBrowser.page;
  page.on('request', (request) => {
    if (!request.url().startsWith(apiUrl) && !request.url().startsWith('data:')) elsewhere.push(request.url());
  });
}, 60_000);

afterAll(async () => {
  await consoleBrowser?.close();
  await api?.stop();
  await t?.cleanup();
});

afterEach(() => {
  expect(consoleBrowser.problems).toEqual([]);
  expect(elsewhere).toEqual([]);
});

describe('API reference page', () => {
  it('renders every tag and operation of the document, and an operation opens with its schemas resolved', async () => {
    await page.goto(`${apiUrl}/api/mesh/docs`);
    const document = (await (await page.request.get(`${apiUrl}/api/mesh/openapi.json`)).json()) as {
      info: { title: string };
      tags: { name: string }[];
      paths: Record<string, Record<string, { operationId: string }>>;
    };
    await page.locator('.swagger-ui .info .title').waitFor({ timeout: 20_000 });
    expect(await page.locator('.swagger-ui .info .title').innerText()).toContain(document.info.title);
    const tags = await page.locator('.swagger-ui .opblock-tag-section h3 .nostyle span, .swagger-ui .opblock-tag-section h3 a span').allInnerTexts();
    expect(new Set(tags.map((s) => s.trim()))).toEqual(new Set(document.tags.map((tag) => tag.name)));
    const operations = Object.values(document.paths).flatMap((methods) => Object.keys(methods));
    expect(await page.locator('.swagger-ui .opblock').count()).toBe(operations.length);

    // Submitting a task: its request body is SubmitTaskBody, shown as a schema, not as a "$ref".
    const submit = page.locator('.swagger-ui .opblock-post', { has: page.locator('[data-path="/networks/{network_id}/tasks"]') }).first();
    await submit.locator('.opblock-summary').click();
    await submit.locator('.opblock-body').waitFor();
    await submit.getByText('Schema', { exact: true }).first().click();
    const body = await submit.locator('.opblock-body').innerText();
    expect(body).toContain('task');
    expect(body).not.toContain('$ref');
    mkdirSync(RESULTS_DIR, { recursive: true });
    await page.screenshot({ path: join(RESULTS_DIR, 'api-docs.png'), fullPage: false });
  });
});
