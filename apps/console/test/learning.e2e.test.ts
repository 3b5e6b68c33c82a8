import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { MeshClient } from '@mesh/client';
import type { Network, Task } from '@mesh/core';
import { launchApp, REPO_ROOT, waitFor, type LaunchedProcess, type TestEnv } from '@mesh/testing';
import { type Locator, type Page } from 'playwright-core';
import type { EvalComparison, EvalRun, Feedback, Lessons, StatsReport } from '../src/api/learning-types';
import { formatScore } from '../src/lib/evals';
import { CONSOLE_KEY, openConsoleBrowser, startConsoleApi, type ConsoleBrowser } from './browser-harness';

/**
 * Issue 20 in the console, in a real browser against the real API, coordinator and worker (from
 * dist, simulated models): a person rates a finished task's result and one of its subtasks, opens
 * the agent's page from the network's agent list and finds the feedback and the stats, writes the
 * agent's lessons and sees the new version, and reads evaluation runs: a run's cases and two runs
 * compared. Every number the page shows is checked against what the API answers.
 */

const KEY = CONSOLE_KEY;
const RESULTS_DIR = join(REPO_ROOT, 'test-results');
const RESULT_COMMENT = 'Clear, but too formal for developers';
const SUBTASK_COMMENT = 'The headline is too long';
const SUBTASK_CORRECTION = 'Launch day: TechPro X1';
const LESSONS = ['Keep headlines under eight words', 'Name the product in the first sentence'];

let t: TestEnv;
let processes: LaunchedProcess[] = [];
let apiUrl: string;
let api: MeshClient;
let consoleBrowser: ConsoleBrowser;
let page: Page;
let network: Network;
let task: Task;

async function expectText(locator: Locator, text: string | RegExp): Promise<void> {
  await locator.filter({ hasText: text }).first().waitFor();
}

const taskFeedback = async () => (await api.request<{ feedback: Feedback[] }>('GET', `/networks/${network.id}/tasks/${task.id}/feedback`)).feedback;

beforeAll(async () => {
  const started = await startConsoleApi('console-learning');
  t = started.t;
  apiUrl = started.apiUrl;
  processes.push(started.api);
  processes.push(await launchApp('coordinator', t.env), await launchApp('worker', t.env, { args: ['--agents', 'all'] }));
  api = new MeshClient({ baseUrl: apiUrl, apiKey: KEY });
  network = await api.createNetwork({
    name: 'Learning',
    agents: [
      { name: 'Coordinator', type: 'coordinator' },
      { name: 'Writer', type: 'content' },
    ],
  });
  task = await api.request<Task>('POST', `/networks/${network.id}/tasks`, { query: { wait: 60 }, body: { task: 'Write the launch email for TechPro X1', process: true } });
  expect(task.status).toBe('completed');
  expect(task.subtasks?.some((s) => s.agent_type === 'content')).toBe(true);
  consoleBrowser = await openConsoleBrowser(KEY);
  ({ page } = consoleBrowser);
  page.setDefaultTimeout(15_000);
  mkdirSync(RESULTS_DIR, { recursive: true });
}, 120_000);

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

describe('learning from feedback in the console', () => {
  let agentPath = '';

  it("rates the finished task's result and one of its subtasks, and shows the feedback given", async () => {
    await page.goto(`${apiUrl}/console/networks/${network.id}/tasks/${task.id}`);
    await page.locator('[data-testid=task-status][data-status=completed]').waitFor();

    const onResult = page.getByTestId('result-feedback');
    await expectText(onResult, 'No feedback on the result yet.');
    // Without a rating the form says so, and nothing is sent.
    await onResult.getByRole('button', { name: 'Send feedback' }).click();
    await expectText(onResult.getByRole('alert'), 'Choose a rating from 1 to 5.');
    expect(await taskFeedback()).toEqual([]);

    await onResult.getByLabel('Rating').selectOption('4');
    await onResult.getByLabel(/^Comment/).fill(RESULT_COMMENT);
    await onResult.getByRole('button', { name: 'Send feedback' }).click();
    await expectText(onResult.getByTestId('feedback-item'), RESULT_COMMENT);
    expect(await onResult.getByTestId('feedback-item').getAttribute('data-rating')).toBe('4');
    expect(await onResult.getByRole('alert').count()).toBe(0);

    // A subtask, opened from the subtasks table.
    const subtask = task.subtasks!.find((s) => s.agent_type === 'content')!;
    await page.locator('[data-testid=subtasks-table] tbody tr').filter({ hasText: subtask.key }).first().click();
    const onSubtask = page.getByTestId('subtask-feedback');
    await expectText(onSubtask, 'No feedback on this subtask yet.');
    await onSubtask.getByLabel('Rating').selectOption('2');
    await onSubtask.getByLabel(/^Comment/).fill(SUBTASK_COMMENT);
    await onSubtask.getByLabel(/^Correction/).fill(SUBTASK_CORRECTION);
    await onSubtask.getByRole('button', { name: 'Send feedback' }).click();
    await expectText(onSubtask.getByTestId('feedback-item'), SUBTASK_COMMENT);
    expect(await onSubtask.getByTestId('feedback-item').count()).toBe(1);
    // The result's feedback stays the result's; the table shows the subtask's rating.
    expect(await onResult.getByTestId('feedback-item').count()).toBe(1);
    await expectText(page.locator('[data-testid=subtasks-table] tbody tr').filter({ hasText: subtask.key }).getByTestId('subtask-ratings'), '2');

    const stored = await taskFeedback();
    expect(stored.map((f) => [f.subtask_id, f.agent_type, f.rating, f.comment, f.correction])).toEqual([
      [null, 'coordinator', 4, RESULT_COMMENT, null],
      [subtask.id, 'content', 2, SUBTASK_COMMENT, SUBTASK_CORRECTION],
    ]);

    // After a reload the page shows what was given.
    await page.reload();
    await expectText(page.getByTestId('result-feedback').getByTestId('feedback-item'), RESULT_COMMENT);
    await page.screenshot({ path: join(RESULTS_DIR, 'console-feedback.png'), fullPage: true });
  }, 60_000);

  it("opens the agent's page from the network's agent list: its feedback and its stats", async () => {
    await page.goto(`${apiUrl}/console/networks/${network.id}/agents`);
    await page.getByTestId('agents-table').getByRole('link', { name: 'Writer', exact: true }).click();
    await page.waitForURL(/\/agents\/[0-9a-f-]{36}$/);
    agentPath = new URL(page.url()).pathname;
    await expectText(page.getByTestId('agent-name'), 'Writer');

    const rows = page.getByTestId('agent-feedback-row');
    await expectText(rows, SUBTASK_COMMENT);
    expect(await rows.count()).toBe(1);
    expect(await rows.first().getAttribute('data-rating')).toBe('2');
    expect(await rows.first().textContent()).toContain(SUBTASK_CORRECTION);

    const report = await api.request<StatsReport>('GET', `/networks/${network.id}/stats`, { query: { window: '7d' } });
    const content = report.agent_types.find((r) => r.agent_type === 'content');
    expect(content).toBeDefined();
    expect(content!.ratings).toBe(1);
    expect(content!.mean_rating).toBe(2);
    const stats = page.getByTestId('agent-stats');
    await expectText(stats.getByTestId('stat-subtasks'), String(content!.subtasks));
    expect(await stats.getByTestId('stat-subtasks').textContent()).toBe(String(content!.subtasks));
    expect(await stats.getByTestId('stat-mean-rating').textContent()).toBe('2.0 (1 rating)');
    expect(await stats.getByTestId('model-stat').count()).toBe(report.models.length);

    // Another window: everything here happened in the last minutes, so the same numbers.
    await stats.getByLabel('Window').selectOption('24h');
    await expectText(stats, 'the network ran 1 task(s) in this window');
    expect(await stats.getByTestId('stat-mean-rating').textContent()).toBe('2.0 (1 rating)');

    // An agent of a network that is not the tenant's: the API's 404, said plainly.
    await page.goto(`${apiUrl}/console/networks/${randomUUID()}/agents/${randomUUID()}`);
    await expectText(page.getByRole('alert'), /not found/i);
  }, 30_000);

  it("writes the agent's lessons as lines and shows the new version, then clears them", async () => {
    expect(agentPath).not.toBe('');
    const agentId = agentPath.split('/').pop()!;
    await page.goto(`${apiUrl}${agentPath}`);
    const lessonsPanel = page.getByTestId('agent-lessons');
    await expectText(lessonsPanel.getByTestId('lessons-current-version'), /./);
    const before = await api.request<Lessons>('GET', `/networks/${network.id}/agents/${agentId}/lessons`);

    await lessonsPanel.getByLabel(/^Lessons/).fill(`${LESSONS[0]}\n\n  ${LESSONS[1]}  \n`);
    await lessonsPanel.getByRole('button', { name: 'Save lessons' }).click();
    const after = await waitFor('the saved lessons', async () => {
      const read = await api.request<Lessons>('GET', `/networks/${network.id}/agents/${agentId}/lessons`);
      return read.current && read.history.length > before.history.length ? read : undefined;
    });
    expect(after.current!.source).toBe('person');
    expect(after.current!.lessons.map((l) => l.text)).toEqual(LESSONS);
    await expectText(lessonsPanel.getByRole('status'), `Saved as version ${after.current!.version}, written by a person.`);
    expect(await lessonsPanel.locator('[data-testid=lessons-current] [data-testid=lesson]').allTextContents()).toEqual(LESSONS);
    await lessonsPanel.locator(`[data-testid=lessons-version][data-version="${after.current!.version}"][data-source=person]`).waitFor();
    expect(await lessonsPanel.getByTestId('lessons-version').count()).toBe(after.history.length);

    await lessonsPanel.getByRole('button', { name: 'Clear lessons' }).click();
    await expectText(lessonsPanel.getByRole('status'), 'Cleared: the agent has no lessons now.');
    const cleared = await api.request<Lessons>('GET', `/networks/${network.id}/agents/${agentId}/lessons`);
    expect(cleared.current?.lessons ?? []).toEqual([]);
    expect(await lessonsPanel.locator('[data-testid=lessons-current] [data-testid=lesson]').count()).toBe(0);
    await page.screenshot({ path: join(RESULTS_DIR, 'console-agent.png'), fullPage: true });
  }, 30_000);

  it('shows evaluation runs newest first, a run with its cases, and two runs compared', async () => {
    const cases = [
      { id: 'short-enough', task: 'Write a one-line launch note for TechPro X1', assertions: [{ type: 'max_length', value: 100_000 }] },
      { id: 'never-said', task: 'Write a one-line launch note for TechPro X1', assertions: [{ type: 'contains', value: 'zz-no-model-says-this-zz' }] },
    ];
    const first = (await api.request<{ eval_run: EvalRun }>('POST', '/evals', { body: { label: 'baseline', network_id: network.id, cases } })).eval_run;
    const second = (await api.request<{ eval_run: EvalRun }>('POST', '/evals', { body: { label: 'after lessons', network_id: network.id, cases } })).eval_run;
    const done = async (id: string) =>
      waitFor(
        `evaluation run ${id} to complete`,
        async () => {
          const { eval_run } = await api.request<{ eval_run: EvalRun }>('GET', `/evals/${id}`);
          return eval_run.status === 'completed' ? eval_run : undefined;
        },
        90_000,
        250,
      );
    const [a, b] = [await done(first.eval_run_id), await done(second.eval_run_id)];

    await page.goto(`${apiUrl}/console/`);
    await page.getByRole('navigation').getByRole('link', { name: 'Evaluations' }).click();
    const runs = page.getByTestId('eval-run');
    await runs.nth(1).waitFor();
    const ids = await page.locator('[data-testid=eval-run]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-eval-run-id')));
    expect(ids).toEqual([b.eval_run_id, a.eval_run_id]);
    expect(await runs.nth(1).getByTestId('eval-run-score').textContent()).toBe(formatScore(a.mean_score));
    expect(await runs.nth(1).getAttribute('data-status')).toBe('completed');

    // The baseline's cases: its score, what failed, and the task each ran as.
    await runs.nth(1).getByRole('link', { name: 'baseline' }).click();
    await page.waitForURL((url) => url.pathname.endsWith(`/evaluations/${a.eval_run_id}`));
    const caseRows = page.getByTestId('eval-case');
    await caseRows.nth(1).waitFor();
    expect(await caseRows.count()).toBe(2);
    for (const result of a.results!) {
      const row = page.locator(`[data-testid=eval-case][data-case-id="${result.case_id}"]`);
      expect(await row.getByTestId('eval-case-score').textContent()).toBe(formatScore(result.score));
      expect(await row.getAttribute('data-passed')).toBe(result.passed === null ? '' : String(result.passed));
      if (result.task_id) expect(await row.getByTestId('eval-case-task').getAttribute('href')).toBe(`/console/networks/${result.network_id}/tasks/${result.task_id}`);
    }
    const never = a.results!.find((r) => r.case_id === 'never-said')!;
    expect(never.passed).toBe(false);
    expect(await page.locator('[data-testid=eval-case][data-case-id=never-said] [data-testid=eval-case-failed]').textContent()).toContain('contains');
    await page.screenshot({ path: join(RESULTS_DIR, 'console-evaluation-run.png'), fullPage: true });

    // Back to the list: pick both and compare.
    await page.getByRole('link', { name: 'Evaluations' }).first().click();
    await page.getByLabel('Compare baseline').check();
    await page.getByLabel('Compare after lessons').check();
    await page.getByRole('button', { name: 'Compare the two picked runs' }).click();
    const comparison = await api.request<EvalComparison>('GET', '/evals/compare', { query: { a: a.eval_run_id, b: b.eval_run_id } });
    const summary = page.getByTestId('eval-compare-summary');
    await expectText(summary, `${comparison.better} better, ${comparison.worse} worse, ${comparison.same} the same`);
    expect(await page.getByTestId('eval-compare-case').count()).toBe(comparison.cases.length);
    expect(new URL(page.url()).search).toBe(`?a=${a.eval_run_id}&b=${b.eval_run_id}`);
    await page.screenshot({ path: join(RESULTS_DIR, 'console-evaluations.png'), fullPage: true });
  }, 150_000);
});
