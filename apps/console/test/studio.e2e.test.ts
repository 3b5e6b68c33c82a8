import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { MeshClient } from '@mesh/client';
import type { LlmCallList, Network, Task } from '@mesh/core';
import { launchApp, meshFakeResponder, REPO_ROOT, startFakeProviderServer, waitFor, type FakeProviderServer, type LaunchedProcess, type MeshFakeRequest, type TestEnv } from '@mesh/testing';
import { type Locator, type Page } from 'playwright-core';
import { CONSOLE_KEY, openConsoleBrowser, startConsoleApi, type ConsoleBrowser } from './browser-harness';

/**
 * The console as a studio, in a real browser against the real API, coordinator and worker (from
 * dist) calling the fake provider server through the real SDKs: every model call of a task on its
 * page (attempts, the prompt with the memory it was given marked, the raw output), the
 * coordinator's planning on the graph and the timeline, concurrent subtasks in lanes, honest states
 * for a task that timed out, and a graph that leaves the page's scroll wheel alone. Needs Debian's
 * chromium and a built console.
 */

const KEY = CONSOLE_KEY;
const RESULTS_DIR = join(REPO_ROOT, 'test-results');
const MEMORY = 'Acme Rockets always writes in a cheerful tone';

let fake: FakeProviderServer;
let t: TestEnv;
let processes: LaunchedProcess[] = [];
let apiUrl: string;
let api: MeshClient;
let consoleBrowser: ConsoleBrowser;
let page: Page;
let studio: Network;

const plan = (subtasks: { key: string; agent_type: string }[]) => ({
  task_complete: false,
  reasoning: `Split the work into ${subtasks.map((s) => s.key).join(', ')}`,
  subtasks: subtasks.map((s) => ({ key: s.key, agent_type: s.agent_type, description: `Write the ${s.key}`, depends_on: [] })),
  new_memories: [],
  result: null,
});
const complete = (content: string) => ({ task_complete: true, reasoning: 'Everything is written', subtasks: [], new_memories: [], result: { content, confidence: 0.9, explanation: 'from the parts' } });

/** While true, the design agent answers what its schema refuses, on every model: its subtask fails. */
let designBroken = false;

/** Two content subtasks at once (lanes) and one of design; then the coordinator completes. */
function script(req: MeshFakeRequest): unknown {
  if (req.kind === 'agent_output') {
    // The whole conversation: a repair request's last message is the repair instruction.
    if (!req.request.promptText.includes('<data name="subtask">\nWrite the banner\n</data>')) return undefined;
    return designBroken ? { nonsense: true } : { reasoning: 'drawn', result: 'BANNER DRAWN', confidence: 0.9, suggested_memories: [] };
  }
  if (req.kind !== 'coordinator_decision') return undefined;
  if (req.iteration === 1) return plan([{ key: 'headline', agent_type: 'content' }, { key: 'body', agent_type: 'content' }, { key: 'banner', agent_type: 'design' }]);
  return complete(`# The launch email\n\n${req.block('results')?.includes('BANNER DRAWN') ? 'With its banner.' : 'Without a banner.'}`);
}

async function expectText(locator: Locator, text: string | RegExp): Promise<void> {
  await locator.filter({ hasText: text }).first().waitFor();
}

beforeAll(async () => {
  // Every answer takes a moment, so that subtasks dispatched together overlap.
  fake = await startFakeProviderServer({ latencyMs: { anthropic: 250, openai: 250, google: 250 } });
  for (const provider of ['anthropic', 'openai', 'google'] as const) fake.respondWith(provider, meshFakeResponder(script));
  const started = await startConsoleApi('console-studio', {
    MESH_LLM_PROVIDER: 'live',
    ANTHROPIC_API_KEY: 'sk-ant-studio-test-0001',
    OPENAI_API_KEY: 'sk-studio-test-0002',
    GEMINI_API_KEY: 'AIza-studio-test-0003-xxxxxxxxxxxx',
    ANTHROPIC_BASE_URL: fake.baseUrls.anthropic,
    OPENAI_BASE_URL: fake.baseUrls.openai,
    GEMINI_BASE_URL: fake.baseUrls.google,
    MESH_AGENT_DISCOVERY_MS: '300',
    // A subtask that fails, fails at once (one job attempt, no retries of a model call).
    MESH_SUBTASK_ATTEMPTS: '1',
    MESH_LLM_RETRIES: '0',
    MESH_TRACE_URL_TEMPLATE: 'http://traces.test/trace/{trace_id}',
  });
  t = started.t;
  apiUrl = started.apiUrl;
  processes.push(started.api);
  processes.push(await launchApp('coordinator', t.env, {}), await launchApp('worker', t.env, { args: ['--agents', 'all'] }));
  api = new MeshClient({ baseUrl: apiUrl, apiKey: KEY });
  studio = await api.createNetwork({
    name: 'Studio',
    agents: [
      { name: 'Coordinator', type: 'coordinator' },
      { name: 'Writer', type: 'content' },
      { name: 'Designer', type: 'design' },
    ],
  });
  await api.addMemory(studio.id, { content: MEMORY, memory_type: 'decision' });
  consoleBrowser = await openConsoleBrowser(KEY);
  ({ page } = consoleBrowser);
  // A step that waits fails with its locator, well before the test's own timeout.
  page.setDefaultTimeout(15_000);
  mkdirSync(RESULTS_DIR, { recursive: true });
}, 90_000);

// Uncaught errors and Content-Security-Policy violations fail the tests.
afterEach(() => {
  expect(consoleBrowser.problems.splice(0)).toEqual([]);
  fake.clearFaults();
});

afterAll(async () => {
  await consoleBrowser?.close();
  await Promise.all(processes.map((p) => p.stop()));
  processes = [];
  await fake?.close();
  await t?.cleanup();
});

describe('the console as a studio', () => {
  let task: Task;
  let calls: LlmCallList;

  beforeAll(async () => {
    task = await api.request<Task>('POST', `/networks/${studio.id}/tasks`, { query: { wait: 60 }, body: { task: 'Write the launch email for Acme Rockets', process: true } });
    expect(task.status).toBe('completed');
    calls = await api.getTaskCalls(studio.id, task.id);
    await page.goto(`${apiUrl}/console/networks/${studio.id}/tasks/${task.id}`);
    await page.locator('[data-testid=task-status][data-status=completed]').waitFor();
  }, 90_000);

  it("lists every model call of the task with its model, attempts, tokens, cost and latency", async () => {
    // The plan, three subtasks, the plan that completes.
    expect(calls.calls).toHaveLength(5);
    const rows = page.locator('[data-testid=llm-calls] [data-testid=llm-call]');
    await waitFor('the five calls', async () => ((await rows.count()) === 5 ? true : undefined));
    await expectText(page.getByTestId('calls-summary'), '5 calls · 5 attempts');
    expect(await rows.locator('td:nth-child(2)').allTextContents()).toEqual([
      'Coordinator plan (iteration 1)',
      ...calls.calls.slice(1, 4).map((c) => `Subtask ${c.subtask_key} · ${c.agent_type}`),
      'Coordinator plan (iteration 2)',
    ]);
    const first = rows.first();
    expect(await first.locator('td:nth-child(3)').textContent()).toBe(`${calls.calls[0]!.provider}:${calls.calls[0]!.model}`);
    expect(await first.locator('td:nth-child(6)').textContent()).toBe(`${calls.calls[0]!.input_tokens} / ${calls.calls[0]!.output_tokens}`);
    expect(await first.locator('td:nth-child(8)').textContent()).toMatch(/^(\d+ ms|\d+\.\d+ s)$/);
  });

  it('opens a call: its attempts, the prompt as sent with the retrieved memory marked, and the raw output', async () => {
    await page.locator('[data-testid=llm-calls] [data-testid=llm-call]').first().click();
    const detail = page.getByTestId('llm-call-detail');
    await detail.waitFor();
    expect(await detail.getByTestId('llm-call-attempt').count()).toBe(1);
    expect(await detail.getByTestId('llm-call-attempt').first().getAttribute('data-outcome')).toBe('success');
    expect(await detail.getByTestId('llm-call-system').textContent()).toContain('You work in iterations');
    const user = detail.locator('[data-testid=llm-call-message][data-role=user]');
    expect(await user.textContent()).toContain('Write the launch email for Acme Rockets');
    // The memory block of the prompt is marked, and the items are listed.
    expect(await user.getByTestId('prompt-memory').textContent()).toContain(`- [decision] ${MEMORY}`);
    expect(await detail.getByTestId('llm-call-memory').textContent()).toContain(MEMORY);
    expect(await detail.getByTestId('llm-call-output').textContent()).toContain('"task_complete":false');
    await page.screenshot({ path: join(RESULTS_DIR, 'console-calls.png'), fullPage: true });
  });

  it("shows a subtask's own calls in its details", async () => {
    await page.locator('[data-testid=graph-node-subtask][data-agent-type=design]').click();
    const detail = page.getByTestId('subtask-detail');
    await expectText(detail, 'Model calls of this subtask');
    const own = detail.locator('[data-testid=subtask-llm-calls] [data-testid=llm-call]');
    expect(await own.count()).toBe(1);
    expect(await own.locator('td:nth-child(2)').textContent()).toBe('Subtask banner · design');
  });

  it("draws the coordinator's planning on the timeline and stacks concurrent subtasks in lanes", async () => {
    const timeline = page.getByTestId('timeline');
    const coordinatorRow = timeline.getByTestId('timeline-coordinator-row');
    expect(await coordinatorRow.getByTestId('timeline-call-bar').count()).toBe(2);
    // The two content subtasks ran at once: two lanes in the content row; design needs one.
    expect(await timeline.locator('[data-testid=timeline-row][data-label=content]').getAttribute('data-lanes')).toBe('2');
    expect(await timeline.locator('[data-testid=timeline-row][data-label=design]').getAttribute('data-lanes')).toBe('1');
    // Clicking the first plan on the timeline shows what the coordinator decided and the memory it used.
    await coordinatorRow.getByTestId('timeline-call-bar').first().locator('rect').click();
    const detail = page.getByTestId('coordinator-detail');
    await expectText(detail, 'Coordinator plan (iteration 1)');
    expect(await detail.getByTestId('coordinator-reasoning').textContent()).toBe('Split the work into headline, body, banner');
    expect(await detail.locator('[data-testid=coordinator-plan] tbody tr td:first-child').allTextContents()).toEqual(['headline', 'body', 'banner']);
    expect(await detail.getByTestId('coordinator-memory').textContent()).toContain(MEMORY);
    // "Show the whole call" opens it in the list of calls.
    await detail.getByRole('button', { name: 'Show the whole call' }).click();
    await page.locator(`[data-testid=llm-calls] [data-testid=llm-call].selected[data-purpose=plan]`).waitFor();
  });

  it("opens the coordinator's plan from its node on the graph, and the last plan from the result node", async () => {
    await page.locator('[data-testid=graph-node-coordinator]').first().click();
    await expectText(page.getByTestId('coordinator-detail'), 'Coordinator plan (iteration 1)');
    await page.locator('[data-testid=graph-node-result]').click();
    const detail = page.getByTestId('coordinator-detail');
    await expectText(detail, 'Coordinator plan (iteration 2)');
    expect(await detail.textContent()).toContain('The launch email');
  });

  it("leaves the page's scroll wheel alone over the graph; Ctrl + wheel and the buttons zoom it", async () => {
    // A fresh page at the top: the graph is in view and the page below it can scroll.
    await page.reload();
    await page.locator('[data-testid=task-status][data-status=completed]').waitFor();
    await page.evaluate('window.scrollTo(0, 0)');
    const graph = page.getByTestId('task-graph');
    await graph.locator('.react-flow__node').first().waitFor();
    const viewport = graph.locator('.react-flow__viewport');
    const transform = () => viewport.evaluate((el) => (el as unknown as { style: { transform: string } }).style.transform);
    // The graph fits itself to the page with a short animation: wait until it stands still.
    const settled = () =>
      waitFor('the graph to stand still', async () => {
        const first = await transform();
        await new Promise((r) => setTimeout(r, 400));
        return first === (await transform()) ? first : undefined;
      });
    const before = await settled();
    const box = (await graph.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    const scrollY = async () => (await page.evaluate('window.scrollY')) as number;
    const scrolledFrom = await scrollY();
    await page.mouse.wheel(0, 300);
    await waitFor('the page to scroll', async () => ((await scrollY()) > scrolledFrom ? true : undefined));
    expect(await transform()).toBe(before);

    const box2 = (await graph.boundingBox())!;
    await page.mouse.move(box2.x + box2.width / 2, box2.y + box2.height / 2);
    await page.keyboard.down('Control');
    await page.mouse.wheel(0, -200);
    await page.keyboard.up('Control');
    await waitFor('Ctrl + wheel to zoom the graph', async () => ((await transform()) !== before ? true : undefined));
    const zoomed = await settled();
    await graph.locator('.react-flow__controls-zoomout').click();
    await waitFor('the zoom-out button to zoom', async () => ((await transform()) !== zoomed ? true : undefined));
    await expectText(page.locator('.graph-hint'), 'Ctrl (⌘) + wheel');
  });

  it('has a legend with every status a node can show', async () => {
    const legend = page.getByTestId('graph-legend');
    expect(await legend.locator('.status').allTextContents()).toEqual(['pending', 'queued', 'in progress', 'awaiting approval', 'completed', 'failed', 'skipped', 'timed out', 'cancelled']);
  });
});

describe('a task that timed out', () => {
  it('shows what finished before the deadline as completed and what was cut short as timed out, never skipped', async () => {
    const deadline = await api.createNetwork({
      name: 'Deadline',
      timeout_seconds: 3,
      agents: [
        { name: 'Coordinator', type: 'coordinator' },
        { name: 'Writer', type: 'content' },
        { name: 'Slow designer', type: 'design', model: 'openai:gpt-slow' },
      ],
    });
    // The designer's model never answers: the deadline cuts its subtask short.
    fake.inject('openai', { kind: 'hang' }, { model: 'gpt-slow' });
    const task = await api.submitTask(deadline.id, { task: 'Write the launch email and draw its banner' });
    await page.goto(`${apiUrl}/console/networks/${deadline.id}/tasks/${task.id}`);
    await page.locator('[data-testid=task-status][data-status=timed_out]').waitFor({ timeout: 30_000 });
    const ended = await api.getTask(deadline.id, task.id);
    expect(ended.subtasks!.map((s) => [s.key, s.status]).sort()).toEqual([
      ['banner', 'timed_out'],
      ['body', 'completed'],
      ['headline', 'completed'],
    ]);

    await page.locator('[data-testid=graph-node-subtask][data-agent-type=design][data-status=timed_out]').waitFor();
    expect(await page.locator('[data-testid=graph-node-subtask][data-agent-type=design] .status').textContent()).toBe('timed out');
    expect(await page.locator('[data-testid=graph-node-subtask][data-agent-type=content][data-status=completed]').count()).toBe(2);
    // The coordinator had planned before the deadline: its node is completed; the result timed out.
    expect(await page.locator('[data-testid=graph-node-coordinator]').getAttribute('data-status')).toBe('completed');
    expect(await page.locator('[data-testid=graph-node-result]').getAttribute('data-status')).toBe('timed_out');
    expect(await page.locator('[data-testid=graph-node-subtask][data-status=skipped]').count()).toBe(0);
    expect(await page.getByTestId('subtasks-table').locator('.status').allTextContents()).toEqual(expect.arrayContaining(['timed out', 'completed']));
    expect(await page.getByTestId('subtasks-table').textContent()).not.toContain('skipped');
    // The timeline draws the cut-short bar in its own colour.
    expect(await page.locator('[data-testid=timeline-row][data-label=design] rect.bar-timed_out').count()).toBe(1);

    await page.locator('[data-testid=graph-node-subtask][data-agent-type=design]').click();
    await expectText(page.getByTestId('subtask-detail'), 'task timed out while it ran');
    // Its model call was cut short too, and the calls list says so.
    const designCall = page.locator('[data-testid=subtask-llm-calls] [data-testid=llm-call]');
    await designCall.first().waitFor();
    expect(await designCall.locator('.status').first().textContent()).toBe('failed');
    await page.screenshot({ path: join(RESULTS_DIR, 'console-timed-out.png'), fullPage: true });
  }, 60_000);
});

describe('the Runs page', () => {
  beforeAll(async () => {
    // Enough runs for a second page: pending tasks, never started.
    for (let i = 1; i <= 26; i++) await api.request('POST', `/networks/${studio.id}/tasks`, { body: { task: `Backlog item ${i}` } });
  }, 60_000);

  it('finds any run across networks: filters, search, pages, and a link to each task', async () => {
    await page.goto(`${apiUrl}/console/runs`);
    const count = page.getByTestId('runs-count');
    await expectText(count, '1–25 of 28');
    expect(await page.locator('[data-testid=run]').count()).toBe(25);
    await expectText(page.getByTestId('runs-page'), 'page 1 of 2');
    await page.getByRole('button', { name: 'Next' }).click();
    await expectText(count, '26–28 of 28');
    // The oldest three: the first Studio task, the timed-out one, the first backlog item.
    expect(await page.locator('[data-testid=run] td:first-child a').allTextContents()).toEqual(['Backlog item 1', 'Write the launch email and draw its banner', 'Write the launch email for Acme Rockets']);
    expect(page.url()).toContain('page=2');

    // The timed-out run, by status: shown as such, with its network.
    await page.locator('select[name=status]').selectOption('timed_out');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expectText(count, '1–1 of 1');
    const timedOut = page.locator('[data-testid=run]');
    expect(await timedOut.getAttribute('data-status')).toBe('timed_out');
    expect(await timedOut.locator('.status').textContent()).toBe('timed out');
    expect(await timedOut.locator('td:nth-child(2)').textContent()).toBe('Deadline');
    expect(await timedOut.locator('td:nth-child(4)').textContent()).toBe('content, design');

    // Text search, across networks, with the status filter cleared.
    await page.locator('select[name=status]').selectOption('');
    await page.locator('input[name=q]').fill('LAUNCH EMAIL');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expectText(count, '1–2 of 2');
    // One network only.
    await page.locator('select[name=network]').selectOption({ label: 'Studio' });
    await page.getByRole('button', { name: 'Apply' }).click();
    await expectText(count, '1–1 of 1');
    expect(page.url()).toContain('q=LAUNCH+EMAIL');
    // A reload keeps the filters (they are in the URL).
    await page.reload();
    await expectText(page.getByTestId('runs-count'), '1–1 of 1');
    expect(await page.locator('input[name=q]').inputValue()).toBe('LAUNCH EMAIL');
    // A cost range nothing costs: no runs.
    await page.locator('input[name=min_cost_usd]').fill('1000');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expectText(page.getByTestId('runs-count'), 'No runs');
    await page.getByRole('button', { name: 'Clear' }).click();
    await expectText(page.getByTestId('runs-count'), '1–25 of 28');

    // Each run links to its task.
    await page.locator('input[name=q]').fill('Acme Rockets');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expectText(page.getByTestId('runs-count'), '1–1 of 1');
    await page.locator('[data-testid=run] td:first-child a', { hasText: 'Write the launch email for Acme Rockets' }).click();
    await page.waitForURL(/\/console\/networks\/[0-9a-f-]{36}\/tasks\/[0-9a-f-]{36}$/);
    await page.locator('[data-testid=task-status][data-status=completed]').waitFor();
    await page.screenshot({ path: join(RESULTS_DIR, 'console-task-from-runs.png'), fullPage: true });
  }, 60_000);
});

describe('acting on a run', () => {
  it('retries a failed subtask from its details and follows the task live until its result is recomputed; re-runs the task', async () => {
    designBroken = true;
    const task = await api.request<Task>('POST', `/networks/${studio.id}/tasks`, { query: { wait: 60 }, body: { task: 'Write the flaky launch email', process: true } });
    expect(task.status).toBe('completed');
    expect(task.subtasks!.find((s) => s.key === 'banner')?.status).toBe('failed');
    await page.goto(`${apiUrl}/console/networks/${studio.id}/tasks/${task.id}`);
    await page.locator('[data-testid=task-status][data-status=completed]').waitFor();
    await expectText(page.getByTestId('task-result'), 'Without a banner.');
    // A completed subtask offers no retry.
    await page.locator('[data-testid=graph-node-subtask][data-agent-type=content]').first().click();
    await page.getByTestId('subtask-detail').waitFor();
    expect(await page.getByRole('button', { name: 'Retry this subtask' }).count()).toBe(0);

    designBroken = false;
    await page.locator('[data-testid=graph-node-subtask][data-agent-type=design]').click();
    await expectText(page.getByTestId('subtask-detail'), 'banner');
    await page.getByRole('button', { name: 'Retry this subtask' }).click();
    // The same page follows the task again, live, until the coordinator has planned again.
    await page.locator('[data-testid=task-status][data-status=completed]').waitFor({ state: 'detached', timeout: 10_000 }).catch(() => undefined);
    await page.locator('[data-testid=graph-node-subtask][data-agent-type=design][data-status=completed]').waitFor({ timeout: 30_000 });
    await page.locator('[data-testid=task-status][data-status=completed]').waitFor({ timeout: 30_000 });
    await expectText(page.getByTestId('task-result'), 'With its banner.');
    const retried = await api.getTask(studio.id, task.id);
    expect(retried.subtasks!.find((s) => s.key === 'banner')).toMatchObject({ status: 'completed', attempts: 2, result: 'BANNER DRAWN' });
    expect(retried.result?.content).toContain('With its banner.');
    // The retry's calls are listed with the others: the design subtask's second call, and the coordinator's new plan.
    await waitFor('the new calls', async () => ((await page.locator('[data-testid=llm-calls] [data-testid=llm-call][data-purpose=plan]').count()) === 3 ? true : undefined));

    // The event log listed the events as they came since the page followed the task again (the stream
    // has no history): the task running again at iteration 1, the banner completed, the next plan, the end.
    const log = page.getByTestId('event-log');
    const summaries = async () => log.locator('[data-testid=event]').allTextContents();
    await waitFor('the end of the second stream', async () => ((await summaries()).filter((t) => t.includes('the stream ended')).length === 2 ? true : undefined));
    const lines = await summaries();
    const indexOf = (text: string) => lines.findIndex((t) => t.includes(text));
    const order = [
      ...['following the task: task in progress, iteration 1 of', 'subtask banner (design) completed', 'task in progress (iteration 2)', 'task completed (iteration 2)'].map(indexOf),
      lines.findLastIndex((t) => t.includes('the stream ended: task completed')),
    ];
    // The first follow (snapshot and end of the completed task) came before, in the same log.
    expect(indexOf('following the task: task completed')).toBe(0);
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    // Filtered by kind, then by text.
    const total = lines.length;
    await log.locator('input[name="event-kind-subtask.status"]').check();
    const subtaskEvents = lines.filter((t) => t.includes('subtask.status'));
    expect(subtaskEvents.length).toBeGreaterThanOrEqual(1);
    expect(subtaskEvents.length).toBeLessThan(total);
    expect(await summaries()).toEqual(subtaskEvents);
    await log.locator('input[name=event-filter]').fill('BANNER');
    expect(await summaries()).toEqual(subtaskEvents.filter((t) => t.includes('subtask banner')));
    await expectText(log.getByTestId('event-log-count'), new RegExp(`^${(await summaries()).length} of ${total} events`));
    await log.locator('input[name="event-kind-subtask.status"]').uncheck();
    await log.locator('input[name=event-filter]').fill('');
    expect(await log.locator('[data-testid=event]').count()).toBe(total);

    // The task links to its trace in the operator's viewer.
    expect(retried.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(await page.getByTestId('trace-link').getAttribute('href')).toBe(`http://traces.test/trace/${retried.trace_id}`);

    // Re-run: a new task with the same input; the page moves to it and follows it to its end.
    await page.getByRole('button', { name: 'Re-run' }).click();
    await page.waitForURL((url) => /\/tasks\/[0-9a-f-]{36}$/.test(url.pathname) && !url.pathname.endsWith(task.id));
    const rerunId = new URL(page.url()).pathname.split('/').pop()!;
    await page.locator('[data-testid=task-status][data-status=completed]').waitFor({ timeout: 30_000 });
    expect(await page.locator('.task-title').textContent()).toBe('Write the flaky launch email');
    const rerun = await api.getTask(studio.id, rerunId);
    expect(rerun).toMatchObject({ task: task.task, context: task.context, priority: task.priority, status: 'completed' });
    await page.screenshot({ path: join(RESULTS_DIR, 'console-rerun.png'), fullPage: true });
  }, 90_000);
});

describe('the Over time page', () => {
  it("shows today's throughput, outcomes, failure rate and cost, and the agent types, as the API counts them", async () => {
    const report = await api.trends();
    const today = report.days.at(-1)!;
    // The runs above: completed ones, the timed-out one, the backlog never started.
    expect(today.tasks).toBeGreaterThanOrEqual(30);
    expect(today.timed_out).toBe(1);
    await page.goto(`${apiUrl}/console/over-time`);
    const row = page.locator(`[data-testid=trend-day][data-day="${today.day}"]`);
    await row.waitFor();
    expect(await page.locator('[data-testid=trend-day]').count()).toBe(14);
    const cells = await row.locator('td').allTextContents();
    expect(cells.slice(0, 7)).toEqual([today.day, String(today.tasks), String(today.completed), String(today.failed), '1', String(today.cancelled), `${Math.round(today.failure_rate! * 100)}%`]);
    // The throughput chart's column for today.
    expect(await page.locator(`[data-testid=day-chart][data-metric=tasks] [data-testid=day-bar][data-day="${today.day}"]`).getAttribute('data-value')).toBe(String(today.tasks));
    expect(await page.locator('[data-testid=day-chart]').count()).toBe(4);
    // Per agent type: the design subtasks include the timed-out and the retried one.
    const design = report.agent_types.find((t) => t.agent_type === 'design')!;
    expect(design.timed_out).toBe(1);
    const designCells = await page.locator('[data-testid=trend-agent-type][data-agent-type=design] td').allTextContents();
    expect(designCells.slice(0, 5)).toEqual(['design', String(design.subtasks), String(design.completed), String(design.failed), '1']);
    expect(await page.locator('[data-testid=trend-agent-type]').count()).toBe(report.agent_types.length);
    // One network only: the Deadline network's single, timed-out task.
    await page.locator('select[name=network]').selectOption({ label: 'Deadline' });
    await waitFor('the Deadline network only', async () => ((await row.locator('td').nth(1).textContent()) === '1' ? true : undefined));
    expect(await row.locator('td').nth(6).textContent()).toBe('100%');
    await page.screenshot({ path: join(RESULTS_DIR, 'console-over-time.png'), fullPage: true });
  });
});

describe('the agent playground', () => {
  it("runs one agent on an ad-hoc input through the worker pool and follows it live to the agent's answer", async () => {
    await page.goto(`${apiUrl}/console/networks/${studio.id}/playground`);
    const form = page.getByTestId('playground');
    await form.locator('select[name=agent] option').first().waitFor({ state: 'attached' });
    expect(await form.locator('select[name=agent] option').allTextContents()).toEqual(['Writer (content)', 'Designer (design)']);
    await form.locator('select[name=agent]').selectOption({ label: 'Designer (design)' });
    // The designer draws what its subtask says: the banner (see the script above).
    await form.locator('textarea[name=input]').fill('Write the banner');
    await form.locator('textarea[name=context]').fill('{"palette": "teal"}');
    await form.getByRole('button', { name: 'Run the agent' }).click();
    await page.waitForURL(/\/tasks\/[0-9a-f-]{36}$/);
    const taskId = new URL(page.url()).pathname.split('/').pop()!;
    await page.locator('[data-testid=task-status][data-status=completed]').waitFor({ timeout: 30_000 });
    await expectText(page.getByTestId('task-playground'), 'A playground run');
    await expectText(page.getByTestId('task-result'), 'BANNER DRAWN');
    // One subtask on the designer, one model call, and no coordinator on the graph's calls.
    expect(await page.locator('[data-testid=graph-node-subtask]').count()).toBe(1);
    expect(await page.locator('[data-testid=graph-node-subtask]').getAttribute('data-agent-type')).toBe('design');
    await waitFor('its one call', async () => ((await page.locator('[data-testid=llm-calls] [data-testid=llm-call]').count()) === 1 ? true : undefined));
    expect(await page.locator('[data-testid=llm-calls] [data-testid=llm-call] td:nth-child(2)').textContent()).toBe('Subtask playground · design');
    const task = await api.getTask(studio.id, taskId);
    expect(task).toMatchObject({ playground: true, status: 'completed', task: 'Write the banner', context: { palette: 'teal' }, result: { content: 'BANNER DRAWN' } });
    await page.screenshot({ path: join(RESULTS_DIR, 'console-playground.png'), fullPage: true });
  }, 60_000);
});
