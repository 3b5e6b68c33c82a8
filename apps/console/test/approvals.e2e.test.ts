import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { MeshClient } from '@mesh/client';
import type { Approval, Network, PlanSubject } from '@mesh/core';
import { launchApp, REPO_ROOT, waitFor, type LaunchedProcess, type TestEnv } from '@mesh/testing';
import { CONSOLE_KEY, openConsoleBrowser, startConsoleApi, type ConsoleBrowser } from './browser-harness';
import { type Locator, type Page, type Route } from 'playwright-core';

/**
 * People deciding in the console, in a real browser against the real API, coordinator and worker
 * (from dist) with the simulated provider (it plans one subtask per specialist, then completes;
 * offered tools it calls once each): the inbox, a plan approved with edits, a result rejected and
 * then approved with edits, a decision somebody made first (409), and a tool call and a question
 * in one subtask. Needs Debian's chromium (./scripts/test installs it) and a built console.
 */

const KEY = CONSOLE_KEY;
const RESULTS_DIR = join(REPO_ROOT, 'test-results');
const SCREENSHOT_PLAN = join(RESULTS_DIR, 'console-approvals-plan.png');
const SCREENSHOT_DONE = join(RESULTS_DIR, 'console-approvals.png');
const SCREENSHOT_QUESTION = join(RESULTS_DIR, 'console-approvals-question.png');
// Model output echoes the task text: the markup must reach the page as text, in the draft too.
const TASK_TEXT = 'Launch email for TechPro X1 <img src=x onerror="window.__meshXss=1">';
const EDITED_RESULT = 'Launch day for TechPro X1: one short paragraph, approved by a person.';
const REJECTION = 'Too long: one paragraph, please';

let t: TestEnv;
let processes: LaunchedProcess[] = [];
let apiUrl: string;
let api: MeshClient;
let consoleBrowser: ConsoleBrowser;
let page: Page;
let network: Network;

beforeAll(async () => {
  const started = await startConsoleApi('console-approvals', { MESH_SIM_LATENCY_MS: '20', MESH_AGENT_DISCOVERY_MS: '300' });
  t = started.t;
  apiUrl = started.apiUrl;
  processes.push(started.api);
  processes.push(await launchApp('coordinator', t.env));
  processes.push(await launchApp('worker', t.env, { args: ['--agents', 'all'] }));
  api = new MeshClient({ baseUrl: apiUrl, apiKey: KEY });
  network = await api.createNetwork({
    name: 'Approvals network',
    max_iterations: 5,
    agents: [
      { name: 'Coordinator', type: 'coordinator' },
      { name: 'Copywriter', type: 'content' },
      { name: 'Designer', type: 'design' },
    ],
    approvals: { plan: true, result: true },
  });
  consoleBrowser = await openConsoleBrowser(KEY);
  ({ page } = consoleBrowser);
  mkdirSync(RESULTS_DIR, { recursive: true });
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

/** The task's next pending request of `kind`, read through the API. */
async function pendingApproval(taskId: string, kind: Approval['kind']): Promise<Approval> {
  return waitFor(`a pending ${kind} approval of task ${taskId}`, async () => {
    const { approvals } = await api.listTaskApprovals(network.id, taskId);
    return approvals.find((a) => a.status === 'pending' && a.kind === kind);
  });
}

const pendingCard = (kind: Approval['kind']): Locator => page.locator(`[data-testid=pending-approval][data-kind=${kind}]`);
const historyRows = (): Locator => page.getByTestId('approval-history-row');

describe('approvals in the web console', () => {
  let taskId = '';

  it('lists a pending plan in the inbox; the plan is approved with edits, a result rejected, the next approved with edited content', async () => {
    const submitted = await api.submitTask(network.id, { task: TASK_TEXT });
    taskId = submitted.id;
    const plan = await pendingApproval(taskId, 'plan');

    // The inbox: reachable from the network page, the request with its task and a one-line summary.
    await page.goto(`${apiUrl}/console/networks/${network.id}`);
    await expect(page.getByTestId('network-approvals').textContent()).resolves.toContain('plan, result');
    const tab = page.getByTestId('tab-approvals');
    await tab.filter({ hasText: 'Approvals (1)' }).waitFor();
    await tab.click();
    await page.waitForURL((url) => url.pathname === `/console/networks/${network.id}/approvals`);
    const row = page.locator(`[data-testid=approval-row][data-approval-id="${plan.id}"]`);
    await row.waitFor();
    expect(await page.getByTestId('approval-row').count()).toBe(1);
    expect(await row.getAttribute('data-kind')).toBe('plan');
    expect(await row.getByTestId('approval-summary').textContent()).toMatch(/^Plan of iteration 1: 2 subtasks \((content, design|design, content)\)$/);
    expect(await row.getByTestId('approval-task-link').textContent()).toBe(`${TASK_TEXT.slice(0, 60)}…`);

    // The task page: the task waits, the plan's subtasks are shown with the decision form.
    await row.getByTestId('approval-task-link').click();
    await page.waitForURL((url) => url.pathname === `/console/networks/${network.id}/tasks/${taskId}`);
    const planCard = pendingCard('plan');
    await planCard.waitFor();
    await page.locator('[data-testid=task-status][data-status=awaiting_approval]').waitFor();
    await page.getByTestId('task-awaiting').waitFor();
    // The graph shows the coordinator's step waiting, not the result.
    await page.locator('[data-testid=graph-node-coordinator][data-status=awaiting_approval]').waitFor();
    expect(await page.getByTestId('graph-node-result').getAttribute('data-status')).toBe('in_progress');
    expect((await planCard.locator('[data-testid=plan-subtask]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-agent-type')))).sort()).toEqual([
      'content',
      'design',
    ]);
    await page.screenshot({ path: SCREENSHOT_PLAN, fullPage: true });

    // Edit, then approve: what is not JSON is stopped in the page; a plan that cannot run is the API's 400, shown in the card.
    await planCard.getByRole('button', { name: 'Edit, then approve' }).click();
    const editor = planCard.locator('textarea[name=edits]');
    expect(JSON.parse(await editor.inputValue())).toEqual((plan.subject as PlanSubject).subtasks);
    await editor.fill('[{"key": "copy",');
    await planCard.getByRole('button', { name: 'Approve with edits' }).click();
    await planCard.getByRole('alert').filter({ hasText: 'The subtasks are not valid JSON' }).waitFor();
    await editor.fill(JSON.stringify([{ key: 'copy', agent_type: 'nobody', description: 'Write the launch copy only', depends_on: [] }]));
    await planCard.getByRole('button', { name: 'Approve with edits' }).click();
    await planCard.getByRole('alert').filter({ hasText: 'The edited plan cannot run' }).waitFor();
    expect((await api.getApproval(network.id, plan.id)).status).toBe('pending');

    // Keep one subtask, with a comment.
    await editor.fill(JSON.stringify([{ key: 'copy', agent_type: 'content', description: 'Write the launch copy only', depends_on: [] }], null, 2));
    await planCard.locator('textarea[name=comment]').fill('Only the copy for now');
    await planCard.getByRole('button', { name: 'Approve with edits' }).click();
    const planRow = page.locator(`[data-testid=approval-history-row][data-approval-id="${plan.id}"]`);
    await planRow.waitFor();
    expect(await planRow.getAttribute('data-status')).toBe('approved');
    expect(await planRow.getByTestId('approval-history-comment').textContent()).toBe('Only the copy for now');
    expect(await planRow.getByTestId('approval-history-decided-by').textContent()).toBe('tenant:tenant-a');
    expect(await planRow.textContent()).toContain('edited');

    // The edited plan runs; the draft result waits for a person, rendered like the task result and escaped.
    const firstCard = pendingCard('result');
    await firstCard.waitFor({ timeout: 30_000 });
    const first = await pendingApproval(taskId, 'result');
    expect(await firstCard.getAttribute('data-approval-id')).toBe(first.id);
    expect(await firstCard.textContent()).toContain('The draft result of iteration 2');
    const draft = firstCard.getByTestId('approval-draft');
    expect(await draft.locator('h3').count()).toBeGreaterThanOrEqual(1);
    expect(await draft.textContent()).toContain('<img src=x onerror="window.__meshXss=1">');
    expect(await draft.locator('img').count()).toBe(0);
    const subtaskNodes = page.getByTestId('graph-node-subtask');
    expect(await subtaskNodes.evaluateAll((nodes) => nodes.map((n) => [n.getAttribute('data-agent-type'), n.getAttribute('data-status')]))).toEqual([['content', 'completed']]);
    await page.locator('[data-testid=task-status][data-status=awaiting_approval]').waitFor();
    await page.locator('[data-testid=graph-node-result][data-status=awaiting_approval]').waitFor();

    // Rejected with a comment: another iteration runs and drafts again.
    await firstCard.locator('textarea[name=comment]').fill(REJECTION);
    await firstCard.getByRole('button', { name: 'Reject' }).click();
    const firstRow = page.locator(`[data-testid=approval-history-row][data-approval-id="${first.id}"]`);
    await firstRow.waitFor();
    expect(await firstRow.getAttribute('data-status')).toBe('rejected');
    expect(await firstRow.getByTestId('approval-history-comment').textContent()).toBe(REJECTION);

    const secondCard = page.locator(`[data-testid=pending-approval][data-kind=result]:not([data-approval-id="${first.id}"])`);
    await secondCard.waitFor({ timeout: 30_000 });
    expect(await secondCard.textContent()).toContain('The draft result of iteration 3');
    await secondCard.getByRole('button', { name: 'Edit, then approve' }).click();
    const resultEditor = secondCard.locator('textarea[name=edits]');
    expect(await resultEditor.inputValue()).toContain('Final result for');
    await resultEditor.fill(EDITED_RESULT);
    await secondCard.getByRole('button', { name: 'Approve with edits' }).click();

    // The task completes with the edited content, on the same page.
    await page.locator('[data-testid=task-status][data-status=completed]').waitFor({ timeout: 30_000 });
    const result = page.locator('[data-testid=task-result] .markdown');
    await result.filter({ hasText: EDITED_RESULT }).waitFor();
    expect((await result.textContent())?.trim()).toBe(EDITED_RESULT);
    const done = await api.getTask(network.id, taskId);
    expect(done).toMatchObject({ status: 'completed', iterations: 3, result: { content: EDITED_RESULT } });
    expect(done.human_feedback).toEqual([{ kind: 'result', iteration: 2, status: 'rejected', comment: REJECTION }]);
    expect(done.subtasks!.map((s) => s.key)).toEqual(['copy']);

    // The whole story as history, newest first; nothing pending.
    await historyRows().nth(2).waitFor();
    expect(await historyRows().evaluateAll((rows) => rows.map((r) => `${r.getAttribute('data-kind')}:${r.getAttribute('data-status')}`))).toEqual([
      'result:approved',
      'result:rejected',
      'plan:approved',
    ]);
    expect(await page.getByTestId('pending-approval').count()).toBe(0);
    expect(await page.evaluate('window.__meshXss')).toBeUndefined();
    await page.screenshot({ path: SCREENSHOT_DONE, fullPage: true });

    // The inbox is empty; with every status it lists the three decided requests.
    await page.goto(`${apiUrl}/console/networks/${network.id}/approvals`);
    await page.getByTestId('approvals-empty').waitFor();
    await page.getByTestId('tab-approvals').filter({ hasText: 'Approvals (0)' }).waitFor();
    await page.locator('select[name=approval-status]').selectOption('all');
    await page.getByTestId('approval-row').nth(2).waitFor();
    expect(await page.getByTestId('approval-row').evaluateAll((rows) => rows.map((r) => `${r.getAttribute('data-kind')}:${r.getAttribute('data-status')}`))).toEqual([
      'result:approved',
      'result:rejected',
      'plan:approved',
    ]);
  }, 90_000);

  it('shows the API\'s 409 when somebody decided first, then the decision that was made', async () => {
    const submitted = await api.submitTask(network.id, { task: 'A headline for TechPro X1', approvals: { plan: false } });
    const approval = await pendingApproval(submitted.id, 'result');
    await page.goto(`${apiUrl}/console/networks/${network.id}/tasks/${submitted.id}`);
    const card = pendingCard('result');
    await card.waitFor();

    // The page does not learn of the other decision before the click: its reads of the task's requests are held.
    const held: Route[] = [];
    const requestsOfTask = /\/api\/mesh\/networks\/[^/]+\/tasks\/[^/]+\/approvals(\?|$)/;
    await page.route(requestsOfTask, (route) => void held.push(route));
    const other = await api.request<Approval>('POST', `/networks/${network.id}/approvals/${approval.id}`, { body: { decision: 'approve', decided_by: 'someone-else' } });
    expect(other.status).toBe('approved');

    await card.locator('textarea[name=comment]').fill('Not this one');
    await card.getByRole('button', { name: 'Reject' }).click();
    const conflict = page.getByTestId('approval-conflict');
    await conflict.waitFor();
    expect(await conflict.getByRole('alert').textContent()).toBe('The approval was already decided (approved)');

    await page.unroute(requestsOfTask);
    for (const route of held.splice(0)) await route.continue().catch(() => {}); // reads the page has dropped since are gone
    const row = page.locator(`[data-testid=approval-history-row][data-approval-id="${approval.id}"]`);
    await row.waitFor();
    expect(await row.getAttribute('data-status')).toBe('approved');
    expect(await row.getByTestId('approval-history-decided-by').textContent()).toBe('someone-else');
    await page.locator('[data-testid=task-status][data-status=completed]').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('pending-approval').count()).toBe(0);
    expect((await api.getApproval(network.id, approval.id)).comment).toBeNull();
  }, 60_000);

  it('asks about a tool call and a question in one subtask: edited arguments, and an answer', async () => {
    const tools = await api.createNetwork({
      name: 'Tool approvals network',
      agents: [
        { name: 'Coordinator', type: 'coordinator' },
        { name: 'Analyst', type: 'analytics', tools: ['search_memory'] },
      ],
      approvals: { tool_calls: 'all', questions: true },
    });
    await api.addMemory(tools.id, { content: 'Developers read email on Tuesday mornings', memory_type: 'fact' });
    const submitted = await api.submitTask(tools.id, { task: 'Pick the send time for the TechPro X1 launch email' });
    await waitFor('the tool call and the question', async () => {
      const { approvals } = await api.listTaskApprovals(tools.id, submitted.id);
      return approvals.filter((a) => a.status === 'pending').length === 2 ? true : undefined;
    });

    await page.goto(`${apiUrl}/console/networks/${tools.id}/tasks/${submitted.id}`);
    const callCard = page.locator('[data-testid=pending-approval][data-kind=tool_call]');
    const questionCard = page.locator('[data-testid=pending-approval][data-kind=question]');
    await callCard.waitFor();
    await questionCard.waitFor();
    await page.locator('[data-testid=graph-node-subtask][data-agent-type=analytics][data-status=awaiting_approval]').waitFor();
    await page.locator('[data-testid=task-status][data-status=awaiting_approval]').waitFor();
    expect(await callCard.getByTestId('approval-tool').textContent()).toBe('search_memory');
    expect(JSON.parse((await callCard.getByTestId('approval-arguments').textContent()) ?? '')).toHaveProperty('query');
    expect((await questionCard.getByTestId('approval-question').textContent())?.length).toBeGreaterThan(0);
    await page.screenshot({ path: SCREENSHOT_QUESTION, fullPage: true });

    // Arguments the tool's schema refuses are the API's 400; fitting ones are approved.
    await callCard.getByRole('button', { name: 'Edit, then approve' }).click();
    const editor = callCard.locator('textarea[name=edits]');
    await editor.fill('{"query": ""}');
    await callCard.getByRole('button', { name: 'Approve with edits' }).click();
    await callCard.getByRole('alert').filter({ hasText: "The edited arguments do not fit search_memory's input schema" }).waitFor();
    await editor.fill('{"query": "Tuesday", "limit": 3}');
    await callCard.getByRole('button', { name: 'Approve with edits' }).click();
    await page.locator('[data-testid=approval-history-row][data-kind=tool_call][data-status=approved]').waitFor();

    await questionCard.locator('textarea[name=answer]').fill('Tuesday at 9:00 <b>local</b> time');
    await questionCard.getByRole('button', { name: 'Answer' }).click();
    const answered = page.locator('[data-testid=approval-history-row][data-kind=question][data-status=answered]');
    await answered.waitFor();
    expect(await answered.getByTestId('approval-history-comment').textContent()).toBe('Tuesday at 9:00 <b>local</b> time');
    expect(await answered.locator('b').count()).toBe(0);

    // The subtask goes on: the call ran with the edited arguments, the answer came back as the question's result.
    await page.locator('[data-testid=task-status][data-status=completed]').waitFor({ timeout: 30_000 });
    // The page re-reads the finished task once more (the stream's end): a click during that re-render
    // can land on a node being replaced, so it is repeated until the details show (never toggling them shut).
    const calls = page.locator('[data-testid=subtask-detail] [data-testid=tool-call]');
    for (let attempt = 0; attempt < 5 && !(await calls.first().isVisible()); attempt++) {
      await page.locator('[data-testid=graph-node-subtask][data-agent-type=analytics]').first().click();
      await calls
        .first()
        .waitFor({ timeout: 3_000 })
        .catch(() => undefined);
    }
    await calls.first().waitFor();
    const search = calls.filter({ has: page.locator('code', { hasText: 'search_memory' }) });
    expect(await search.getAttribute('data-status')).toBe('completed');
    expect(JSON.parse((await search.locator('.tool-call-arguments').textContent()) ?? '')).toEqual({ query: 'Tuesday', limit: 3 });
    expect(await search.getByTestId('tool-call-result').textContent()).toContain('Developers read email on Tuesday mornings');
    const ask = calls.filter({ has: page.locator('code', { hasText: 'ask_human' }) });
    expect(await ask.getByTestId('tool-call-result').textContent()).toContain('Tuesday at 9:00 <b>local</b> time');
  }, 60_000);
});
