import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launchApp, REPO_ROOT, type LaunchedProcess, type TestEnv } from '@mesh/testing';
import { CONSOLE_KEY, openConsoleBrowser, startConsoleApi, type ConsoleBrowser } from './browser-harness';
import { type Page } from 'playwright-core';

/**
 * The console in a real browser against the real API, coordinator and worker (from dist): create a
 * network, submit a task through the UI, watch the graph go from planned to `completed` live. Needs Debian's
 * chromium (./scripts/test installs it) and a built console (`npm run build`).
 */

const KEY = CONSOLE_KEY;
const SCREENSHOT = join(REPO_ROOT, 'test-results', 'console.png');
const SCREENSHOT_LIVE = join(REPO_ROOT, 'test-results', 'console-live.png');
const SCREENSHOT_TOOL_CALLS = join(REPO_ROOT, 'test-results', 'console-tool-calls.png');
// The network of the first test: a coordinator and two specialists, one with its own model.
const SPECIALISTS = ['content', 'design'];
// Model output echoes the task text: markup in it must reach the page as text.
const TASK_TEXT = 'Launch email for TechPro X1 <img src=x onerror="window.__meshXss=1"> [click](javascript:window.__meshXss=2)';

let t: TestEnv;
let processes: LaunchedProcess[] = [];
let apiUrl: string;
let consoleBrowser: ConsoleBrowser;
let page: Page;

beforeAll(async () => {
  // Slow simulated models, so the live view has something to show.
  const started = await startConsoleApi('console', { MESH_SIM_LATENCY_MS: '300' });
  t = started.t;
  apiUrl = started.apiUrl;
  processes.push(started.api);
  // The worker starts during the first test, once the page shows the planned subtasks waiting for it.
  processes.push(await launchApp('coordinator', t.env));
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

describe('the web console', () => {
  let networkPath = '';
  let taskId = '';

  it('creates a network with custom agents, submits a task and shows its graph live until it completes', async () => {
    await page.goto(`${apiUrl}/console/`);
    await page.getByLabel('Name', { exact: true }).fill('Console network');
    await page.getByLabel('Description').fill('Made by the browser test');
    await page.getByLabel(/Custom agents/).check();
    // Row 0 is the coordinator, filled in already.
    await page.locator('input[name=agent-1-name]').fill('Copywriter');
    await page.locator('input[name=agent-1-type]').fill('content');
    await page.locator('input[name=agent-1-model]').fill('claude-3-7-sonnet');
    await page.getByRole('button', { name: 'Add an agent' }).click();
    await page.locator('input[name=agent-2-name]').fill('Designer');
    await page.locator('input[name=agent-2-type]').fill('design');
    await page.getByRole('button', { name: 'Create network' }).click();
    await page.waitForURL(/\/console\/networks\/[0-9a-f-]{36}$/);
    networkPath = new URL(page.url()).pathname;
    await expectText(page.getByTestId('network-name'), 'Console network');

    await page.getByLabel('Task', { exact: true }).fill(TASK_TEXT);
    await page.locator('textarea[name=context]').fill('{"product_name": "TechPro X1", "audience": "developers"}');
    await page.locator('select[name=priority]').selectOption('2');
    await page.getByRole('button', { name: 'Submit and run' }).click();
    await page.waitForURL(/\/tasks\/[0-9a-f-]{36}$/);
    taskId = new URL(page.url()).pathname.split('/').pop()!;
    // Every text the live indicator shows from here on, so a fall-back to polling cannot go unseen.
    await page.getByTestId('watch-mode').waitFor();
    await page.evaluate(`(() => {
      const seen = (window.__meshWatchModes = []);
      const record = () => {
        const text = document.querySelector('[data-testid=watch-mode]')?.textContent ?? '(gone)';
        if (seen[seen.length - 1] !== text) seen.push(text);
      };
      record();
      new MutationObserver(record).observe(document.body, { subtree: true, childList: true, characterData: true });
    })()`);

    // No worker runs yet: the page shows the coordinator's plan with every subtask queued, live.
    await page.getByTestId('task-graph').waitFor();
    for (const type of SPECIALISTS) await page.locator(`[data-testid=graph-node-subtask][data-agent-type=${type}][data-status=queued]`).waitFor();
    expect(await page.locator('[data-testid=task-status]').getAttribute('data-status')).toBe('in_progress');
    // Followed over SSE, not by polling.
    await page.getByTestId('watch-mode').filter({ hasText: /^live \(stream\)$/ }).waitFor();
    mkdirSync(join(REPO_ROOT, 'test-results'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT_LIVE, fullPage: true });

    // A worker comes up; without a reload, the same page follows the task to `completed`.
    processes.push(await launchApp('worker', t.env, { args: ['--agents', 'all'] }));
    await page.locator('[data-testid=task-status][data-status=completed]').waitFor({ timeout: 30_000 });
    await page.locator('[data-testid=graph-node-result][data-status=completed]').waitFor();

    for (const type of SPECIALISTS) {
      const node = page.locator(`[data-testid=graph-node-subtask][data-agent-type=${type}]`);
      expect(await node.count()).toBeGreaterThanOrEqual(1);
      expect(await node.first().getAttribute('data-status')).toBe('completed');
      expect(await node.first().textContent()).toContain('simulated:simulated');
    }
    expect(await page.locator('[data-testid=graph-node-coordinator]').count()).toBeGreaterThanOrEqual(1);
    // The copywriter's own model did not answer (the simulated provider did): a fallback, shown on its node only.
    expect(await page.locator('[data-testid=graph-node-subtask][data-agent-type=content] [data-testid=fallback-badge]').count()).toBe(1);
    expect(await page.locator('[data-testid=graph-node-subtask][data-agent-type=design] [data-testid=fallback-badge]').count()).toBe(0);
    expect(await page.getByTestId('timeline-row').count()).toBe(SPECIALISTS.length);
    // Completed subtask nodes show how long they took.
    const durations = await page.locator('[data-testid=graph-node-subtask][data-status=completed] [data-testid=graph-node-duration]').allTextContents();
    expect(durations.length).toBeGreaterThanOrEqual(SPECIALISTS.length);
    for (const duration of durations) expect(duration).toMatch(/^\d+(\.\d+)?\s*(ms|s)$/);
    // The whole way, the page followed the stream and never fell back to polling.
    const modes = (await page.evaluate('window.__meshWatchModes')) as string[];
    expect(modes).toContain('live (stream)');
    expect(modes).not.toContain('live (polling)');

    // The result is rendered from Markdown, and the markup echoed from the task stays text.
    const result = page.getByTestId('task-result');
    expect(await result.locator('h3').count()).toBeGreaterThanOrEqual(1);
    expect(await result.textContent()).toContain('<img src=x onerror="window.__meshXss=1">');
    expect(await result.locator('img').count()).toBe(0);
    expect(await result.locator('a[href^="javascript:"]').count()).toBe(0);
    expect(await page.evaluate('window.__meshXss')).toBeUndefined();

    // A subtask's details open from its node.
    await page.locator('[data-testid=graph-node-subtask][data-agent-type=content]').first().click();
    await expectText(page.getByTestId('subtask-detail'), 'Copywriter');
    await expectText(page.getByTestId('subtask-detail'), 'fallback from claude-3-7-sonnet');

    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(existsSync(SCREENSHOT)).toBe(true);

    // The network's Tasks tab lists the task, completed (long task texts are shortened to 90 characters).
    await page.getByRole('link', { name: 'Console network', exact: true }).click();
    await page.waitForURL((url) => url.pathname === networkPath);
    await page.getByRole('link', { name: 'Tasks', exact: true }).click();
    const row = page.locator(`[data-testid=tasks-table] [data-testid=task-row][data-task-id="${taskId}"]`);
    await row.waitFor();
    expect(await row.locator('td').first().textContent()).toBe(`${TASK_TEXT.slice(0, 90)}…`);
    expect(await row.locator('[data-status]').getAttribute('data-status')).toBe('completed');
  }, 60_000);

  it("shows a subtask's tool calls on its node and in its detail, tool output as text", async () => {
    // Recorded through the store as the worker's tool loop records them (no tool loop runs here).
    const read = await t.store.tasks.get('tenant-a', taskId);
    const content = read!.subtasks!.find((s) => s.agent_type === 'content')!;
    const journal = t.store.toolCalls.journal({ tenantId: 'tenant-a', taskId });
    const base = { subtaskId: content.id, round: 0, sideEffects: false, startedAt: new Date() };
    const lookup = await journal.begin({ ...base, position: 0, callId: 'c0', tool: 'analytics.getReport', arguments: { campaign: '<script>window.__meshXss=4</script>' }, idempotencyKey: 'k0' });
    await journal.finish(lookup.id, { status: 'completed', result: { ok: true, content: 'opens: 42 <img src=x onerror="window.__meshXss=3">' }, error: null, finishedAt: new Date(), durationMs: 120 });
    const send = await journal.begin({ ...base, position: 1, callId: 'c1', tool: 'send_email', arguments: { to: 'a@example.com' }, idempotencyKey: 'k1', sideEffects: true });
    await journal.finish(send.id, { status: 'failed', result: { ok: false, content: 'rejected', error: 'the mail server rejected every recipient' }, error: 'the mail server rejected every recipient', finishedAt: new Date(), durationMs: 30 });

    await page.goto(`${apiUrl}${networkPath}/tasks/${taskId}`);
    const node = page.locator(`[data-testid=graph-node-subtask][data-subtask-id="${content.id}"]`);
    const badge = node.getByTestId('tool-calls-badge');
    await badge.waitFor();
    expect(await badge.textContent()).toBe('2 tool calls, 1 failed');
    expect(await page.getByTestId('tool-calls-badge').count()).toBe(1);

    await node.click();
    const calls = page.locator('[data-testid=subtask-detail] [data-testid=tool-call]');
    await calls.first().waitFor();
    expect(await calls.count()).toBe(2);
    expect([await calls.nth(0).getAttribute('data-tool'), await calls.nth(0).getAttribute('data-status')]).toEqual(['analytics.getReport', 'completed']);
    expect([await calls.nth(1).getAttribute('data-tool'), await calls.nth(1).getAttribute('data-status')]).toEqual(['send_email', 'failed']);
    expect(await calls.nth(0).getByTestId('tool-call-duration').textContent()).toBe('120 ms');
    expect(await calls.nth(0).getByTestId('tool-call-result').textContent()).toBe('opens: 42 <img src=x onerror="window.__meshXss=3">');
    expect(await calls.nth(0).textContent()).toContain('<script>window.__meshXss=4</script>');
    expect(await calls.nth(1).getByTestId('tool-call-error').textContent()).toBe('the mail server rejected every recipient');
    expect(await page.locator('[data-testid=tool-calls] img, [data-testid=tool-calls] script').count()).toBe(0);
    expect(await page.evaluate('window.__meshXss')).toBeUndefined();
    await page.screenshot({ path: SCREENSHOT_TOOL_CALLS, fullPage: true });
  }, 30_000);

  it("creates a network with the default agents, lists them, and searches the network's memory", async () => {
    await page.goto(`${apiUrl}/console/`);
    await page.getByLabel('Name', { exact: true }).fill('Default network');
    await page.getByRole('button', { name: 'Create network' }).click();
    await page.waitForURL(/\/console\/networks\/[0-9a-f-]{36}$/);
    const defaultPath = new URL(page.url()).pathname;
    await page.getByRole('link', { name: 'Agents' }).click();
    await page.getByTestId('agents-table').waitFor();
    const types = await page.locator('[data-testid=agents-table] tbody tr td:nth-child(2)').allTextContents();
    expect(types).toEqual(['coordinator', 'content', 'design', 'analytics', 'personalization']);
    expect(defaultPath).not.toBe(networkPath);

    await page.goto(`${apiUrl}${networkPath}/memory`);
    await page.getByLabel('Content').fill('Developers read email on Tuesday mornings');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByText('Stored.').waitFor();
    await page.getByLabel('Search').fill('Tuesday');
    await page.locator('select[name=memory_type]').selectOption('fact');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText('most relevant first').waitFor();
    const rows = page.locator('[data-testid=memory-table] tbody tr');
    expect(await rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('Developers read email on Tuesday mornings');
  }, 30_000);

  it('deletes the network from the list', async () => {
    await page.goto(`${apiUrl}/console/`);
    const rows = page.locator('[data-testid=networks-table] tbody tr');
    await rows.filter({ hasText: 'Default network' }).waitFor();
    const row = rows.filter({ hasText: 'Console network' });
    await row.getByRole('button', { name: 'Delete' }).click();
    await row.getByRole('button', { name: 'Confirm delete' }).click();
    await row.waitFor({ state: 'detached' });
    expect(await rows.allTextContents()).toEqual([expect.stringContaining('Default network')]);
  }, 30_000);
});

async function expectText(locator: ReturnType<Page['locator']>, text: string): Promise<void> {
  await locator.filter({ hasText: text }).first().waitFor();
}
