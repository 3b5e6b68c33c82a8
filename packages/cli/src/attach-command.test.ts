import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MeshClient } from '@mesh/client';
import type { Task } from '@mesh/core';
import { createTestEnv, launchApp, pngWithHeader, type LaunchedProcess, type TestEnv } from '@mesh/testing';
import { runCli } from './cli';

/**
 * `mesh tasks submit --attach FILE` (repeatable) against the real API process (from dist): the
 * files go as a multipart submit, named after the file and typed by the extension; a type the
 * API does not take is refused before anything is sent; the API's own refusals are printed.
 */

const KEY = 'key-tenant-a-123';
let t: TestEnv;
let api: LaunchedProcess;
let apiUrl: string;
let dir: string;
let client: MeshClient;
let networkId: string;

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

function png(width: number, height: number): Buffer {
  return pngWithHeader(width, height, Buffer.alloc(200, 7));
}

async function mesh(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: { write: (text) => void (stdout += text), isTTY: false },
    stderr: { write: (text) => void (stderr += text), isTTY: false },
    env: { MESH_URL: apiUrl, MESH_API_KEY: KEY, NO_COLOR: '1' },
  });
  return { code, stdout, stderr };
}

beforeAll(async () => {
  t = await createTestEnv('cli-attach', { PORT: '0', HOST: '127.0.0.1' });
  api = await launchApp('api', t.env);
  apiUrl = (JSON.parse((await api.waitForLine(/"message":"api listening"/)).trim()) as { url: string }).url;
  client = new MeshClient({ baseUrl: apiUrl, apiKey: KEY });
  networkId = (await client.createNetwork({ name: 'Attachments' })).id;
  dir = mkdtempSync(join(tmpdir(), 'mesh-attach-'));
}, 60_000);

afterAll(async () => {
  await api?.stop();
  await t?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('mesh tasks submit --attach', () => {
  it('sends every file as an attachment, in order, byte for byte', async () => {
    const chart = png(64, 32);
    const brief = Buffer.from('%PDF-1.4\n1 0 obj\n<< /Type /Page >>\nendobj\ntrailer\n<< >>\n%%EOF\n', 'latin1');
    writeFileSync(join(dir, 'chart.PNG'), chart);
    writeFileSync(join(dir, 'brief.pdf'), brief);
    const run = await mesh(['tasks', 'submit', networkId, '--task', 'Describe the chart', '--attach', join(dir, 'chart.PNG'), '--attach', join(dir, 'brief.pdf'), '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const task = JSON.parse(run.stdout) as Task;
    expect(task.attachments.map((a) => [a.name, a.media_type, a.size_bytes, a.sha256, a.width, a.pages])).toEqual([
      ['chart.PNG', 'image/png', chart.length, sha256(chart), 64, null],
      ['brief.pdf', 'application/pdf', brief.length, sha256(brief), null, 1],
    ]);
    const res = await fetch(`${apiUrl}/api/mesh/networks/${networkId}/tasks/${task.id}/attachments/${task.attachments[0]!.attachment_id}`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(sha256(Buffer.from(await res.arrayBuffer()))).toBe(sha256(chart));
  });

  it('refuses an extension it cannot type, or a missing file, before sending anything (exit 2)', async () => {
    writeFileSync(join(dir, 'notes.txt'), 'hello');
    const before = (await client.listTasks(networkId)).total;
    const txt = await mesh(['tasks', 'submit', networkId, '--task', 'x', '--attach', join(dir, 'notes.txt')]);
    expect(txt.code).toBe(2);
    expect(txt.stderr).toContain(`--attach ${join(dir, 'notes.txt')}: the extension says no type the API takes; use one of .png .jpg .jpeg .webp .gif .pdf .wav .mp3`);
    const missing = await mesh(['tasks', 'submit', networkId, '--task', 'x', '--attach', join(dir, 'absent.png')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read it (ENOENT)');
    expect((await client.listTasks(networkId)).total).toBe(before);
  });

  it("prints the API's refusal when the bytes are not what the extension says (exit 1), and nothing is stored", async () => {
    writeFileSync(join(dir, 'fake.png'), Buffer.from('%PDF-1.4\n%%EOF\n', 'latin1'));
    const before = (await client.listTasks(networkId)).total;
    const run = await mesh(['tasks', 'submit', networkId, '--task', 'x', '--attach', join(dir, 'fake.png')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Attachment "fake.png": the bytes do not match the declared type image/png: they are application/pdf');
    expect((await client.listTasks(networkId)).total).toBe(before);
  });
});
