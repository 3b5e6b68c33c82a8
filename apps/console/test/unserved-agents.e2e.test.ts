import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { MeshClient } from '@mesh/client';
import type { Network } from '@mesh/core';
import { launchApp, REPO_ROOT, waitFor, type LaunchedProcess, type TestEnv } from '@mesh/testing';
import { CONSOLE_KEY, openConsoleBrowser, startConsoleApi, type ConsoleBrowser } from './browser-harness';
import { type Page } from 'playwright-core';

/**
 * Agent types no live worker serves, in a real browser against the real API, coordinator and
 * workers (from dist): a worker serves the default specialists only; an `seo` agent added in the
 * Agents tab gets the API's warning and a "no worker" badge, which goes once a worker for `seo`
 * heartbeats. Needs Debian's chromium (./scripts/test installs it) and a built console.
 */

const KEY = CONSOLE_KEY;
const RESULTS_DIR = join(REPO_ROOT, 'test-results');
const SCREENSHOT = join(RESULTS_DIR, 'console-unserved-agents.png');
const SPECIALISTS = ['content', 'design', 'analytics', 'personalization'];
// Text from the API reaches the page as text.
const AGENT_NAME = 'SEO <img src=x onerror="window.__meshXss=1">';

let t: TestEnv;
let processes: LaunchedProcess[] = [];
let apiUrl: string;
let api: MeshClient;
let consoleBrowser: ConsoleBrowser;
let page: Page;
let network: Network;

beforeAll(async () => {
  // Heartbeats every second, so a new worker is seen (and a stopped one forgotten) quickly.
  const started = await startConsoleApi('console-unserved', { MESH_HEARTBEAT_INTERVAL_MS: '1000' });
  t = started.t;
  apiUrl = started.apiUrl;
  processes.push(started.api);
  processes.push(await launchApp('coordinator', t.env));
  processes.push(await launchApp('worker', t.env, { args: ['--agents', SPECIALISTS.join(',')] }));
  api = new MeshClient({ baseUrl: apiUrl, apiKey: KEY });
  network = await api.createNetwork({ name: 'Unserved network' });
  consoleBrowser = await openConsoleBrowser(KEY);
  ({ page } = consoleBrowser);
}, 60_000);

// Uncaught errors and Content-Security-Policy violations fail the tests.
afterEach(() => {
  expect(consoleBrowser.problems.splice(0)).toEqual([]);
});

afterAll(async () => {
  await consoleBrowser?.close();
  await Promise.all(processes.map((p) => p.stop()));
  processes = [];
  await t?.cleanup();
});

/** The health report's unserved agent types, once `accept` takes them. */
async function unservedOnceThey(what: string, accept: (types: string[]) => boolean): Promise<string[]> {
  return waitFor(what, async () => {
    const types = (await api.health()).unserved_agent_types;
    return accept(types) ? types : undefined;
  }, 15_000, 100);
}

/** The Agents tab, once both the agents and the health report have been read. */
async function agentsTable(): Promise<ReturnType<Page['locator']>> {
  const table = page.locator('[data-testid=agents-table][data-coverage=known]');
  await table.waitFor();
  return table;
}

describe('agent types without a worker, in the Agents tab', () => {
  it('warns when an seo agent is added, badges it "no worker" with the fix, and drops the badge once a worker serves seo', async () => {
    // The worker's first heartbeat has been read: every default type is served.
    await unservedOnceThey('the default specialists to be served', (types) => types.length === 0);
    await page.goto(`${apiUrl}/console/networks/${network.id}/agents`);
    let table = await agentsTable();
    expect(await table.locator('[data-testid=agent-row]').count()).toBe(1 + SPECIALISTS.length);
    expect(await table.getByTestId('no-worker-badge').count()).toBe(0);

    await page.locator('input[name=agent-0-name]').fill(AGENT_NAME);
    await page.locator('input[name=agent-0-type]').fill('seo');
    await page.getByRole('button', { name: 'Add agent' }).click();
    const warnings = page.getByTestId('agent-warnings');
    await warnings.waitFor();
    expect(await warnings.locator('li').allTextContents()).toEqual([
      "no worker serves agent type 'seo': start one with --agents seo or --agents all; until then the coordinator does not plan for it",
    ]);

    const seo = page.locator('[data-testid=agent-row][data-agent-type=seo]');
    const badge = seo.getByTestId('no-worker-badge');
    await badge.waitFor();
    expect(await badge.textContent()).toBe('no worker');
    expect(await badge.getAttribute('title')).toBe('No live worker serves this type: start a worker with --agents seo or --agents all');
    expect(await seo.getByTestId('no-worker-fix').textContent()).toBe('start a worker with --agents seo or --agents all');
    expect(await page.getByTestId('no-worker-badge').count()).toBe(1);
    expect(await seo.locator('td').first().textContent()).toBe(AGENT_NAME);
    expect(await page.locator('[data-testid=agents-table] img').count()).toBe(0);
    expect(await page.evaluate('window.__meshXss')).toBeUndefined();
    mkdirSync(RESULTS_DIR, { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    // Still unserved after a reload: the badge comes from the health report, not from the warning.
    await page.reload();
    table = await agentsTable();
    expect(await table.getByTestId('no-worker-badge').count()).toBe(1);
    expect(await page.getByTestId('agent-warnings').count()).toBe(0);

    processes.push(await launchApp('worker', t.env, { args: ['--agents', 'seo'], name: 'worker-seo' }));
    await unservedOnceThey('seo to be served', (types) => !types.includes('seo'));
    await page.reload();
    table = await agentsTable();
    await table.locator('[data-testid=agent-row][data-agent-type=seo]').waitFor();
    expect(await table.locator('[data-testid=agent-row]').count()).toBe(2 + SPECIALISTS.length);
    expect(await table.getByTestId('no-worker-badge').count()).toBe(0);
  }, 60_000);

  it('adds an agent of a served type without a warning', async () => {
    const other = await api.createNetwork({ name: 'Served network', agents: [{ name: 'Coordinator', type: 'coordinator' }] });
    await page.goto(`${apiUrl}/console/networks/${other.id}/agents`);
    await agentsTable();
    await page.locator('input[name=agent-0-name]').fill('Copywriter');
    await page.locator('input[name=agent-0-type]').fill('content');
    await page.getByRole('button', { name: 'Add agent' }).click();
    const table = await agentsTable();
    await table.locator('[data-testid=agent-row][data-agent-type=content]').waitFor();
    expect(await page.getByTestId('agent-warnings').count()).toBe(0);
    expect(await table.getByTestId('no-worker-badge').count()).toBe(0);
  }, 30_000);
});
