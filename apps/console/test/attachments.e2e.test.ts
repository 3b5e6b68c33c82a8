import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { API_BASE_PATH, MeshClient } from '@mesh/client';
import type { Network, Task } from '@mesh/core';
import { launchApp, meshFakeResponder, REPO_ROOT, startFakeProviderServer, type FakeProviderServer, type LaunchedProcess, type MeshFakeRequest, type TestEnv } from '@mesh/testing';
import { type Page } from 'playwright-core';
import { attachmentExtent, formatBytes } from '../src/lib/attachments';
import { CONSOLE_KEY, openConsoleBrowser, startConsoleApi, type ConsoleBrowser } from './browser-harness';

/**
 * Attachments in the console, in a real browser against the real API, coordinator and worker
 * (from dist) with the fake provider: a PNG and a PDF uploaded with the submit form (multipart),
 * the task's page listing both with the image's thumbnail (fetched with the console's
 * credentials), a download byte-identical to the upload, the subtask that was given the image
 * naming it, and refused uploads: locally (type, size) and by the API (bytes that are not the
 * declared type; files over the task's limit together, cut off midway with a 413), each with a
 * plain message and no task made. Needs Debian's chromium and a built console.
 */

const KEY = CONSOLE_KEY;
const RESULTS_DIR = join(REPO_ROOT, 'test-results');

/** A real PNG of 3 × 2 pixels (IHDR, IDAT, IEND with their CRCs). */
function png(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body) >>> 0);
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8 bits, RGB, no interlace
  const rows = Buffer.concat(Array.from({ length: height }, (_, y) => Buffer.concat([Buffer.from([0]), ...Array.from({ length: width }, (_, x) => Buffer.from([x * 80, y * 120, 200]))])));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

/** A one-page PDF with a correct cross-reference table. */
function pdf(): Buffer {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Contents 4 0 R >>',
    '<< /Length 38 >>\nstream\nBT /F1 12 Tf 20 50 Td (Brief) Tj ET\nendstream',
  ];
  let text = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(text, 'latin1'));
    text += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(text, 'latin1');
  text += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  text += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(text, 'latin1');
}

const CHART = { name: 'chart.png', mimeType: 'image/png', buffer: png(3, 2) };
const BRIEF = { name: 'brief.pdf', mimeType: 'application/pdf', buffer: pdf() };
const TASK_TEXT = 'Describe the sales chart for the brief';
const TASK_LIMIT_BYTES = 2 * 1024 * 1024;

/** The coordinator gives the chart to one subtask and nothing to the other; then it completes. */
function script(req: MeshFakeRequest): unknown {
  if (req.kind !== 'coordinator_decision') return undefined;
  if (!req.request.promptText.includes(TASK_TEXT)) return undefined;
  if (req.iteration === 1) {
    return {
      task_complete: false,
      reasoning: 'One reads the chart, one writes the summary',
      subtasks: [
        { key: 'read_chart', agent_type: 'content', description: 'Describe what the chart shows', depends_on: [], attachments: ['chart.png'] },
        { key: 'summary', agent_type: 'content', description: 'Write a two-line summary', depends_on: [], attachments: [] },
      ],
      new_memories: [],
      result: null,
    };
  }
  return { task_complete: true, reasoning: 'Both are written', subtasks: [], new_memories: [], result: { content: 'The chart, described.', confidence: 0.9, explanation: 'from the parts' } };
}

let fake: FakeProviderServer;
let t: TestEnv;
let processes: LaunchedProcess[] = [];
let apiUrl: string;
let api: MeshClient;
let consoleBrowser: ConsoleBrowser;
let page: Page;
let network: Network;

beforeAll(async () => {
  fake = await startFakeProviderServer();
  for (const provider of ['anthropic', 'openai', 'google'] as const) fake.respondWith(provider, meshFakeResponder(script));
  const started = await startConsoleApi('console-attachments', {
    MESH_LLM_PROVIDER: 'live',
    ANTHROPIC_API_KEY: 'sk-ant-attachments-test-0001',
    OPENAI_API_KEY: 'sk-attachments-test-0002',
    GEMINI_API_KEY: 'AIza-attachments-test-0003-xxxxxxxxxxxx',
    ANTHROPIC_BASE_URL: fake.baseUrls.anthropic,
    OPENAI_BASE_URL: fake.baseUrls.openai,
    GEMINI_BASE_URL: fake.baseUrls.google,
    MESH_AGENT_DISCOVERY_MS: '300',
    // A small per-task limit, so that a refusal midway through the upload is quick to provoke.
    MESH_ATTACHMENTS_MAX_TASK_BYTES: String(TASK_LIMIT_BYTES),
  });
  t = started.t;
  apiUrl = started.apiUrl;
  processes.push(started.api);
  processes.push(await launchApp('coordinator', t.env, {}), await launchApp('worker', t.env, { args: ['--agents', 'all'] }));
  api = new MeshClient({ baseUrl: apiUrl, apiKey: KEY });
  network = await api.createNetwork({
    name: 'Briefs',
    agents: [
      { name: 'Coordinator', type: 'coordinator' },
      { name: 'Writer', type: 'content' },
    ],
  });
  consoleBrowser = await openConsoleBrowser(KEY);
  ({ page } = consoleBrowser);
  page.setDefaultTimeout(15_000);
  mkdirSync(RESULTS_DIR, { recursive: true });
}, 90_000);

// Uncaught errors and Content-Security-Policy violations (a thumbnail the policy refused, say) fail the tests.
afterEach(() => {
  expect(consoleBrowser.problems.splice(0)).toEqual([]);
});

afterAll(async () => {
  await consoleBrowser?.close();
  await Promise.all(processes.map((p) => p.stop()));
  processes = [];
  await fake?.close();
  await t?.cleanup();
});

const fileInput = () => page.getByLabel('Attachments', { exact: false }).and(page.locator('input[type=file]'));
const taskCount = async () => (await api.listTasks(network.id)).total;

describe('attachments in the console', () => {
  let taskId: string;
  let task: Task;

  it('uploads a PNG and a PDF with the submit form, listing each with its type and size first', async () => {
    await page.goto(`${apiUrl}/console/networks/${network.id}`);
    await page.getByLabel('Task', { exact: true }).fill(TASK_TEXT);
    await fileInput().setInputFiles([CHART, BRIEF]);
    const picked = page.getByRole('table', { name: 'Files to attach' }).getByTestId('picked-file');
    await picked.nth(1).waitFor();
    expect(await picked.nth(0).locator('td').allTextContents()).toEqual(['chart.png', 'image/png', formatBytes(CHART.buffer.length), 'Remove']);
    expect(await picked.nth(1).locator('td').allTextContents()).toEqual(['brief.pdf', 'application/pdf', formatBytes(BRIEF.buffer.length), 'Remove']);
    expect(await page.getByTestId('picked-files-summary').textContent()).toBe(`2 files to attach, ${formatBytes(CHART.buffer.length + BRIEF.buffer.length)} in all`);
    await page.getByTestId('submit-task-form').screenshot({ path: join(RESULTS_DIR, 'console-attachments-form.png') });
    await page.getByRole('button', { name: 'Submit and run' }).click();
    await page.waitForURL(/\/tasks\/[0-9a-f-]{36}$/);
    taskId = new URL(page.url()).pathname.split('/').pop()!;
    task = await api.getTask(network.id, taskId);
    expect(task.task).toBe(TASK_TEXT);
    const stored = task.attachments;
    expect(stored.map((a) => [a.name, a.media_type, a.size_bytes])).toEqual([
      ['chart.png', 'image/png', CHART.buffer.length],
      ['brief.pdf', 'application/pdf', BRIEF.buffer.length],
    ]);
    expect(stored[0]).toMatchObject({ width: 3, height: 2 });
  }, 60_000);

  it("shows the task's attachments with their sizes and extents, and the image's thumbnail", async () => {
    const stored = task.attachments;
    const rows = page.getByRole('table', { name: 'Attachments' }).getByTestId('attachment');
    await rows.nth(1).waitFor();
    expect(await rows.getByTestId('attachment-name').allTextContents()).toEqual(['chart.png', 'brief.pdf']);
    expect(await rows.getByTestId('attachment-size').allTextContents()).toEqual(stored.map((a) => formatBytes(a.size_bytes)));
    expect(await rows.getByTestId('attachment-extent').allTextContents()).toEqual(stored.map((a) => attachmentExtent(a) || '–'));
    expect(await rows.nth(0).getByTestId('attachment-extent').textContent()).toBe('3 × 2');
    // The thumbnail: the image's own pixels, fetched with the console's credentials.
    const thumbnail = page.getByRole('img', { name: 'Thumbnail of chart.png' });
    await thumbnail.waitFor();
    await page.waitForFunction((el) => (el as unknown as { complete: boolean; naturalWidth: number }).complete, await thumbnail.elementHandle());
    expect(await thumbnail.evaluate((el) => [(el as unknown as { naturalWidth: number }).naturalWidth, (el as unknown as { naturalHeight: number }).naturalHeight])).toEqual([3, 2]);
    // The PDF has no thumbnail.
    expect(await rows.nth(1).getByRole('img').count()).toBe(0);
    await page.screenshot({ path: join(RESULTS_DIR, 'console-attachments.png'), fullPage: true });
  });

  it('downloads an attachment byte-identical to the upload, under its name', async () => {
    for (const file of [BRIEF, CHART]) {
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: `Download ${file.name}` }).click()]);
      expect(download.suggestedFilename()).toBe(file.name);
      expect((await readFile((await download.path())!)).equals(file.buffer)).toBe(true);
    }
  });

  it('names the attachments each subtask was given, and the image reached its model', async () => {
    await page.locator('[data-testid=task-status][data-status=completed]').waitFor({ timeout: 45_000 });
    const done = await api.getTask(network.id, taskId);
    const given = (key: string) => (done.subtasks ?? []).find((s) => s.key === key)?.attachments;
    expect(given('read_chart')).toEqual(['chart.png']);
    expect(given('summary')).toEqual([]);
    // The uploaded image reached the model as sent from the form; the PDF, given to no subtask, reached none.
    const carrying = (file: { buffer: Buffer }) => fake.requests.filter((r) => r.attachments.some((a) => a.data === file.buffer.toString('base64')));
    expect(carrying(CHART).length).toBeGreaterThanOrEqual(1);
    expect(carrying(CHART).every((r) => r.attachments.every((a) => a.mediaType === 'image/png'))).toBe(true);
    expect(carrying(BRIEF)).toEqual([]);
    const row = (key: string) => page.getByTestId('subtasks-table').locator('tbody tr').filter({ hasText: key });
    expect(await row('read_chart').getByTestId('subtask-attachment-names').textContent()).toBe('chart.png');
    expect(await row('summary').getByTestId('subtask-attachment-names').textContent()).toBe('–');
    await row('read_chart').click();
    expect(await page.getByTestId('subtask-detail').getByTestId('subtask-attachments').textContent()).toBe('chart.png');
    // The coordinator's plan, on its node: which subtask it gave which attachments.
    await page.locator('[data-testid=graph-node-coordinator]').first().click();
    const plan = page.getByTestId('coordinator-detail').getByTestId('coordinator-plan');
    await plan.waitFor();
    expect(await plan.locator('tbody tr td:nth-child(4)').allTextContents()).toEqual(['chart.png', '–']);
  }, 60_000);

  it('refuses a file of another type or over 10 MB before anything is sent, saying which and why', async () => {
    const before = await taskCount();
    await page.goto(`${apiUrl}/console/networks/${network.id}`);
    await page.getByLabel('Task', { exact: true }).fill('A task with a wrong file');
    await fileInput().setInputFiles([
      { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('just text') },
      { name: 'huge.png', mimeType: 'image/png', buffer: Buffer.concat([CHART.buffer, Buffer.alloc(10 * 1024 * 1024)]) },
      CHART,
    ]);
    const refused = page.getByTestId('attachment-refused');
    await refused.waitFor();
    expect(await refused.getByRole('listitem').allTextContents()).toEqual([
      'notes.txt: text/plain cannot be attached; allowed are PNG, JPEG, WebP and GIF images, PDF, WAV and MP3 audio',
      `huge.png is ${(CHART.buffer.length + 10 * 1024 * 1024).toLocaleString('en-US')} bytes; a file may be at most 10,485,760 bytes`,
    ]);
    expect(await refused.getAttribute('role')).toBe('alert');
    // Only the acceptable file is kept; removing it empties the list.
    const picked = page.getByTestId('picked-file');
    expect(await picked.locator('td:first-child').allTextContents()).toEqual(['chart.png']);
    await page.getByRole('button', { name: 'Remove chart.png' }).click();
    expect(await picked.count()).toBe(0);
    expect(await taskCount()).toBe(before);
  });

  it("shows the API's refusal of bytes that are not the declared type plainly, and no task is made", async () => {
    const before = await taskCount();
    const forged = { name: 'fake.png', mimeType: 'image/png', buffer: Buffer.from('this is not a PNG at all, only text') };
    // What the API answers to the same upload (straight, not through the console): a 4xx and its message.
    const form = new FormData();
    form.append('task', JSON.stringify({ task: 'A task with a fake image', process: true }));
    form.append('attachments', new Blob([forged.buffer], { type: forged.mimeType }), forged.name);
    const direct = await fetch(`${apiUrl}${API_BASE_PATH}/networks/${network.id}/tasks`, { method: 'POST', headers: { authorization: `Bearer ${KEY}` }, body: form });
    expect(direct.status).toBeGreaterThanOrEqual(400);
    expect(direct.status).toBeLessThan(500);
    const refusal = ((await direct.json()) as { error: { message: string; details?: unknown } }).error;
    // The API names the file it refused (in its message or its details).
    expect(JSON.stringify(refusal)).toContain('fake.png');
    const message = refusal.message;

    await page.goto(`${apiUrl}/console/networks/${network.id}`);
    await page.getByLabel('Task', { exact: true }).fill('A task with a fake image');
    await fileInput().setInputFiles([forged]);
    await page.getByTestId('picked-file').waitFor();
    await page.getByRole('button', { name: 'Submit and run' }).click();
    const alert = page.getByTestId('submit-task-form').getByRole('alert').filter({ hasText: message });
    await alert.waitFor();
    expect(await alert.textContent()).toContain('fake.png');
    expect(new URL(page.url()).pathname).toBe(`/console/networks/${network.id}`);
    // The form keeps what was entered, to fix and send again.
    expect(await page.getByTestId('picked-file').locator('td:first-child').allTextContents()).toEqual(['fake.png']);
    expect(await page.getByRole('button', { name: 'Submit and run' }).isEnabled()).toBe(true);
    expect(await taskCount()).toBe(before);
  });

  it("shows the API's 413 when the files pass the task's limit together, though each is within the file limit", async () => {
    const before = await taskCount();
    // Three images under the per-file limit that weigh more than the task's together: the API stops reading midway.
    const heavy = (name: string) => ({ name, mimeType: 'image/png', buffer: Buffer.concat([CHART.buffer, Buffer.alloc(900 * 1024)]) });
    await page.goto(`${apiUrl}/console/networks/${network.id}`);
    await page.getByLabel('Task', { exact: true }).fill('A task with too much to read');
    await fileInput().setInputFiles([heavy('one.png'), heavy('two.png'), heavy('three.png')]);
    await page.getByTestId('picked-file').nth(2).waitFor();
    await page.getByRole('button', { name: 'Submit and run' }).click();
    const alert = page.getByTestId('submit-task-form').getByRole('alert');
    await alert.waitFor();
    // The API's own answer, not a connection error.
    expect(await alert.textContent()).toContain('exceed the limit of 2 MiB');
    expect(new URL(page.url()).pathname).toBe(`/console/networks/${network.id}`);
    expect(await taskCount()).toBe(before);
  });
});
