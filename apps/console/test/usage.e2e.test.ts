import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { MeshClient } from '@mesh/client';
import type { Budget, Network, Task, UsageReport } from '@mesh/core';
import { launchApp, REPO_ROOT, type LaunchedProcess, type TestEnv } from '@mesh/testing';
import { CONSOLE_KEY, openConsoleBrowser, startConsoleApi, type ConsoleBrowser } from './browser-harness';
import { type Locator, type Page } from 'playwright-core';

/**
 * The Usage page in a real browser against the real API, coordinator and worker (from dist; the
 * simulated provider): its totals, chart and table are the API's `GET /usage` for each range,
 * grouping, network and metric; the budgets an operator sets through the API show with their share,
 * in the warning colour from 80 % and full at 100 %; a task a budget stopped shows why, and the
 * next one is refused (402) in the form. Needs Debian's chromium and a built console.
 */

const KEY = CONSOLE_KEY;
const RESULTS_DIR = join(REPO_ROOT, 'test-results');
const SCREENSHOT = join(RESULTS_DIR, 'console-usage.png');
// Network names reach the chart and the table as text.
const NETWORK_NAME = 'Launch <img src=x onerror="window.__meshXss=1">';

let t: TestEnv;
let processes: LaunchedProcess[] = [];
let apiUrl: string;
let api: MeshClient;
let consoleBrowser: ConsoleBrowser;
let page: Page;
let launch: Network;
let webinar: Network;

/** Runs a task to its end through the API. */
async function runTask(networkId: string, text: string): Promise<Task> {
  return api.request<Task>('POST', `/networks/${networkId}/tasks`, { query: { wait: 60 }, body: { task: text, process: true } });
}

beforeAll(async () => {
  // tenant-a's key is an operator's; budgets are read fresh before every model call, so a task stops as soon as one is used up.
  const started = await startConsoleApi('console-usage', { MESH_SIM_LATENCY_MS: '20', MESH_ADMIN_TENANTS: 'tenant-a', MESH_BUDGET_CHECK_MAX_AGE_MS: '0' });
  t = started.t;
  apiUrl = started.apiUrl;
  processes.push(started.api);
  processes.push(await launchApp('coordinator', t.env), await launchApp('worker', t.env, { args: ['--agents', 'all'] }));
  api = new MeshClient({ baseUrl: apiUrl, apiKey: KEY });
  launch = await api.createNetwork({ name: NETWORK_NAME });
  webinar = await api.createNetwork({ name: 'Webinar' });
  for (const [network, text] of [
    [launch, 'Write the launch email'],
    [webinar, 'Plan the webinar'],
  ] as const) {
    expect((await runTask(network.id, text)).status).toBe('completed');
  }
  consoleBrowser = await openConsoleBrowser(KEY);
  ({ page } = consoleBrowser);
}, 90_000);

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

const count = (n: number) => n.toLocaleString('en-US');

/** How far a budget's bar is filled, in percent (from its inline width). */
async function filledPercent(budget: Locator): Promise<number> {
  const style = (await budget.locator('.meter-fill').getAttribute('style')) ?? '';
  return Number(/width:\s*([\d.]+)%/.exec(style)?.[1] ?? NaN);
}

/** The report the page shows once it has loaded the one for `groupBy`. */
async function shownReport(groupBy: string): Promise<Locator> {
  const report = page.locator(`[data-testid=usage-report][data-group-by=${groupBy}][data-loading=false]`);
  await report.waitFor();
  return report;
}

/** What the page shows equals `expected`: the totals, one table row and one bar per group with its value. */
async function expectReport(report: Locator, expected: UsageReport, metric: 'tokens' | 'cost'): Promise<void> {
  const total = report.getByTestId('usage-total');
  expect(await total.getAttribute('data-tokens')).toBe(String(expected.total.tokens));
  expect(await total.getAttribute('data-llm-calls')).toBe(String(expected.total.llm_calls));
  expect(Number(await total.getAttribute('data-cost-usd'))).toBeCloseTo(expected.total.cost_usd, 6);
  expect(await total.locator('td').allTextContents()).toEqual([
    count(expected.total.llm_calls),
    count(expected.total.input_tokens),
    count(expected.total.output_tokens),
    count(expected.total.tokens),
    expect.stringMatching(/^\$/),
  ]);
  const bars = report.getByTestId('usage-bar');
  expect(await bars.count()).toBe(expected.rows.length);
  expect(await report.getByTestId('usage-row').count()).toBe(expected.rows.length);
  const shown = await bars.evaluateAll((gs) => gs.map((g) => [g.getAttribute('data-key'), Number(g.getAttribute('data-value'))]));
  expect(Object.fromEntries(shown)).toEqual(Object.fromEntries(expected.rows.map((r) => [r.key, metric === 'tokens' ? r.tokens : r.cost_usd])));
  expect(await page.getByTestId('usage-chart').getAttribute('data-metric')).toBe(metric);
}

describe('the Usage page', () => {
  it("shows the API's usage: totals, one bar and one table row per group, for each grouping, network, metric and range", async () => {
    await page.goto(`${apiUrl}/console/`);
    await page.getByRole('link', { name: 'Usage', exact: true }).click();
    await page.waitForURL(/\/console\/usage$/);
    // This month by day, as GET /usage answers by default.
    let report = await shownReport('day');
    const byDefault = await api.usage();
    expect(byDefault.total.llm_calls).toBeGreaterThanOrEqual(2 * 3);
    await expectReport(report, byDefault, 'tokens');
    const from = await report.getAttribute('data-from');
    const to = (await report.getAttribute('data-to')) ?? '';
    expect(from).toBe(byDefault.from);
    await expect(page.getByTestId('no-budgets').textContent()).resolves.toContain('not limited');

    await page.locator('select[name=group_by]').selectOption('agent_type');
    report = await shownReport('agent_type');
    const byAgent = await api.usage({ from: from ?? undefined, to, group_by: 'agent_type' });
    expect(byAgent.rows.map((r) => r.key)).toContain('coordinator');
    await expectReport(report, byAgent, 'tokens');
    expect(page.url()).toMatch(/\/console\/usage\?group_by=agent_type$/);

    // By network: names, as text.
    await page.locator('select[name=group_by]').selectOption('network');
    report = await shownReport('network');
    await expectReport(report, await api.usage({ from: from ?? undefined, to, group_by: 'network' }), 'tokens');
    expect(await report.locator(`[data-testid=usage-row][data-key="${launch.id}"] td`).first().textContent()).toBe(`${NETWORK_NAME}${launch.id}`);
    expect(await page.locator('[data-testid=usage-report] img').count()).toBe(0);
    expect(await page.evaluate('window.__meshXss')).toBeUndefined();

    // Cost per model, of one network.
    await page.locator('select[name=network]').selectOption(webinar.id);
    await page.getByLabel('cost').check();
    await page.locator('select[name=group_by]').selectOption('model');
    report = await shownReport('model');
    await page.locator('[data-testid=usage-chart][data-metric=cost]').waitFor();
    await expectReport(report, await api.usage({ from: from ?? undefined, to, group_by: 'model', network_id: webinar.id }), 'cost');

    // The last 7 UTC days, today included.
    await page.locator('select[name=network]').selectOption('');
    await page.getByLabel('tokens').check();
    await page.locator('select[name=range]').selectOption('7d');
    const weekStart = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate() - 6)).toISOString();
    report = page.locator(`[data-testid=usage-report][data-group-by=model][data-from="${weekStart}"][data-loading=false]`);
    await report.waitFor();
    await expectReport(report, await api.usage({ from: weekStart, to: (await report.getAttribute('data-to')) ?? '', group_by: 'model' }), 'tokens');
    // The choices survive a reload.
    await page.reload();
    await page.locator(`[data-testid=usage-report][data-group-by=model][data-from="${weekStart}"]`).waitFor();
    expect(await page.locator('select[name=range]').inputValue()).toBe('7d');
  }, 60_000);

  it('shows the budgets an operator set, with their share: warning colour from 80 %', async () => {
    const month = (await api.usage()).total.tokens;
    const today = new Date().toISOString().slice(0, 10);
    const launchToday = (await api.usage({ from: `${today}T00:00:00Z`, network_id: launch.id })).total.tokens;
    const tenantBudget = await api.putBudget({ tenant_id: 'tenant-a', period: 'month', max_tokens: month * 4 });
    const networkBudget = await api.putBudget({ tenant_id: 'tenant-a', network_id: launch.id, period: 'day', max_tokens: Math.ceil(launchToday / 0.9), max_cost_usd: 50 });
    const { budgets } = await api.budgets();
    expect(budgets.map((b) => b.id).sort()).toEqual([tenantBudget.id, networkBudget.id].sort());

    await page.goto(`${apiUrl}/console/usage`);
    await page.getByTestId('budgets').waitFor();
    for (const budget of budgets) {
      const shown = page.locator(`[data-testid=budget][data-budget-id="${budget.id}"]`);
      expect(await shown.getAttribute('data-ratio')).toBe(String(budget.used_ratio));
      expect(await shown.getByTestId('budget-share').textContent()).toBe(`${Math.floor(budget.used_ratio * 100)}% used`);
      expect(await shown.getByTestId('budget-tokens').textContent()).toBe(`${count(budget.used_tokens)} of ${count(budget.max_tokens ?? 0)} tokens`);
      expect(await filledPercent(shown)).toBeCloseTo(budget.used_ratio * 100, 2);
    }
    const tenant = page.locator(`[data-testid=budget][data-budget-id="${tenantBudget.id}"]`);
    expect(await tenant.getAttribute('data-level')).toBe('ok');
    expect(await tenant.locator('strong').textContent()).toBe('The whole tenant');
    const network = page.locator(`[data-testid=budget][data-budget-id="${networkBudget.id}"]`);
    expect(await network.getAttribute('data-level')).toBe('warning');
    expect(await network.locator('.meter-fill').getAttribute('class')).toBe('meter-fill meter-warning');
    expect(await network.locator('strong').textContent()).toBe(`Network ${NETWORK_NAME}`);
    expect(await network.getByTestId('budget-cost').textContent()).toMatch(/^\$[\d.]+ of \$50\.00$/);
    expect(await page.locator('[data-testid=budgets] img').count()).toBe(0);
    mkdirSync(RESULTS_DIR, { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  }, 30_000);

  it('a task a budget stopped shows why; once it is used up, the next task is refused in the form and the budget shows full', async () => {
    // 85 % of the network's day used: the next task is admitted and runs out before its last model call.
    const launchToday = (await api.usage({ from: `${new Date().toISOString().slice(0, 10)}T00:00:00Z`, network_id: launch.id })).total.tokens;
    const budget = await api.putBudget({ tenant_id: 'tenant-a', network_id: launch.id, period: 'day', max_tokens: Math.ceil(launchToday / 0.85) });

    await page.goto(`${apiUrl}/console/networks/${launch.id}`);
    await page.getByLabel('Task', { exact: true }).fill('Write the follow-up email');
    await page.getByRole('button', { name: 'Submit and run' }).click();
    await page.waitForURL(/\/tasks\/[0-9a-f-]{36}$/);
    await page.locator('[data-testid=task-status][data-status=failed]').waitFor({ timeout: 30_000 });
    const error = page.getByTestId('task-error');
    expect(await error.textContent()).toMatch(/^Budget exhausted: the network's daily budget is used up \(\d+ of \d+ tokens; it renews at the start of the next UTC day\): the task stopped before its next model call/);
    expect(await error.getByTestId('budgets-link').getAttribute('href')).toBe('/console/usage');

    await page.goto(`${apiUrl}/console/networks/${launch.id}`);
    await page.getByLabel('Task', { exact: true }).fill('One more');
    await page.getByRole('button', { name: 'Submit and run' }).click();
    const refused = page.getByTestId('submit-task-form').getByRole('alert');
    await refused.waitFor();
    expect(await refused.textContent()).toMatch(/^Budget exhausted: the network's daily budget is used up .*See the budgets on the Usage page\.$/);
    expect(new URL(page.url()).pathname).toBe(`/console/networks/${launch.id}`);

    await refused.getByTestId('budgets-link').click();
    await page.waitForURL(/\/console\/usage$/);
    const shown = page.locator(`[data-testid=budget][data-budget-id="${budget.id}"][data-level=exhausted]`);
    await shown.waitFor();
    const now = (await api.budgets()).budgets.find((b) => b.id === budget.id) as Budget;
    expect(now.used_ratio).toBeGreaterThanOrEqual(1);
    expect(await shown.getByTestId('budget-share').textContent()).toBe(`${Math.floor(now.used_ratio * 100)}% used`);
    expect(await filledPercent(shown)).toBe(100);
    expect(await shown.locator('.meter-fill').getAttribute('class')).toBe('meter-fill meter-exhausted');
    expect(await shown.textContent()).toContain('Used up: new tasks of this network are refused');
  }, 60_000);
});
