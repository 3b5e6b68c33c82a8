import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EvalComparison, EvalRun, Network } from '@mesh/core';
import { createTestEnv, launchApp, REPO_ROOT, type LaunchedProcess, type TestEnv } from '@mesh/testing';
import { parseCaseFile } from './eval-cases';

/**
 * `mesh eval`: the built CLI as a child process against the real API, coordinator and worker
 * (from dist, the simulated provider), running the example case file of the SEED email-campaign
 * network; a bad line of a case file stops it before anything starts, naming the line.
 */

const CLI = join(REPO_ROOT, 'packages', 'cli', 'dist', 'main.js');
const EXAMPLE = join(REPO_ROOT, 'examples', 'evals', 'email-campaign.jsonl');
const KEY = 'key-tenant-a-123';

let t: TestEnv;
let processes: LaunchedProcess[] = [];
let apiUrl: string;
let dir: string;

function mesh(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', MESH_URL: apiUrl, MESH_API_KEY: KEY, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function evalRuns(): Promise<EvalRun[]> {
  const run = await mesh(['eval', 'list', '--json']);
  expect(run.code).toBe(0);
  return (JSON.parse(run.stdout) as { eval_runs: EvalRun[] }).eval_runs;
}

const file = (name: string, lines: string[]) => {
  const path = join(dir, name);
  writeFileSync(path, lines.join('\n'));
  return path;
};

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` (./scripts/test builds first)`);
  t = await createTestEnv('cli-evals', { MESH_SIM_LATENCY_MS: '20', PORT: '0', HOST: '127.0.0.1' });
  const api = await launchApp('api', t.env);
  processes.push(api);
  apiUrl = (JSON.parse((await api.waitForLine(/"message":"api listening"/)).trim()) as { url: string }).url;
  processes.push(await launchApp('coordinator', t.env), await launchApp('worker', t.env, { args: ['--agents', 'all'] }));
  dir = mkdtempSync(join(tmpdir(), 'mesh-evals-'));
}, 60_000);

afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop()));
  processes = [];
  await t?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('mesh eval', () => {
  let network: Network;
  beforeAll(async () => {
    const created = await mesh(['networks', 'create', '--name', 'Email Campaign Assistant', '--json']);
    expect(created.code).toBe(0);
    network = JSON.parse(created.stdout) as Network;
  });

  it('refuses a case file with a bad line, naming the line, and starts nothing', async () => {
    const good = JSON.stringify({ id: 'ok', task: 'Write a subject line', rubric: 'Short' });
    const bad = file('bad.jsonl', ['# a comment', good, '', '{"id": "broken", "task": "x", "assertions": [', JSON.stringify({ id: 'no-judge', task: 'x' }), JSON.stringify({ id: 'ok', task: 'again', rubric: 'r' })]);
    const run = await mesh(['eval', 'run', bad, '--network', network.id]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${bad} line 4: not valid JSON`);
    expect(run.stderr).toContain(`${bad} line 5: a case needs at least one assertion or a rubric`);
    expect(run.stderr).toContain(`${bad} line 6: case id "ok" is already used on line 2`);
    expect(run.stderr).toContain('Nothing was started.');
    // What only the API checks comes back on the file's lines too.
    const invalid = file('invalid.jsonl', [good, JSON.stringify({ id: 'bad-assertion', task: 'x', assertions: [{ type: 'contains' }] })]);
    const refused = await mesh(['eval', 'run', invalid, '--network', network.id]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`${invalid} line 2: assertions.0.value`);
    expect(refused.stderr).toContain('nothing was started');
    expect(await evalRuns()).toEqual([]);
  });

  it('runs the example case file of the email-campaign network, prints the table, lists and compares runs', async () => {
    const first = await mesh(['eval', 'run', EXAMPLE, '--network', 'Email Campaign Assistant', '--label', 'baseline']);
    expect(first.stderr).toMatch(/eval run [0-9a-f-]{36}: 6 cases running/);
    expect(first.code).toBe(0);
    const lines = first.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^eval run [0-9a-f-]{36} "baseline": completed, 6\/6 scored, mean score \d\.\d\d, \d passed, \d failed$/);
    expect(lines[2]).toMatch(/^CASE\s+STATUS\s+SCORE\s+PASSED\s+FAILED ASSERTIONS$/);
    const { cases } = parseCaseFile(readFileSync(EXAMPLE, 'utf8'), EXAMPLE, '');
    expect(lines.slice(3).map((l) => l.split(/\s+/)[0])).toEqual(cases.map((c) => c.id));
    // The simulated provider answers with the task, its context and each specialist's notes: no JSON, and
    // longer than 2000 characters; its judge scores the share of the rubric's words the result holds.
    expect(first.stdout).toMatch(/launch-email\s+scored\s+\d\.\d\d \(rubric \d\.\d\d\)/);
    expect(first.stdout).toMatch(/send-time\s+scored\s+0\.00\s+no\s+json_field_equals: the result is not JSON .*; max_length: \d+ characters \(at most 2000\)/);

    const second = await mesh(['eval', 'run', EXAMPLE, '--network', network.id, '--label', 'again', '--no-wait', '--json']);
    expect(second.code).toBe(0);
    const started = (JSON.parse(second.stdout) as { eval_run: EvalRun }).eval_run;
    expect(started).toMatchObject({ label: 'again', status: 'running', cases_total: 6 });
    let shown: EvalRun | undefined;
    for (let i = 0; i < 200 && shown?.status !== 'completed'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const show = await mesh(['eval', 'show', started.eval_run_id, '--json']);
      shown = (JSON.parse(show.stdout) as { eval_run: EvalRun }).eval_run;
    }
    expect(shown?.status).toBe('completed');

    const runs = await evalRuns();
    expect(runs.map((r) => r.label)).toEqual(['again', 'baseline']);
    const list = await mesh(['eval', 'list']);
    expect(list.stdout).toMatch(/^RUN\s+LABEL\s+STATUS\s+SCORED\s+MEAN\s+PASSED\s+FAILED\s+CREATED/);

    const compare = await mesh(['eval', 'compare', runs[1]!.eval_run_id, runs[0]!.eval_run_id, '--json']);
    expect(compare.code).toBe(0);
    const comparison = JSON.parse(compare.stdout) as EvalComparison;
    expect(comparison.cases).toHaveLength(6);
    expect(comparison.better + comparison.worse + comparison.same).toBe(6);
    const text = await mesh(['eval', 'compare', runs[1]!.eval_run_id, runs[0]!.eval_run_id]);
    expect(text.stdout).toContain(`${comparison.better} better, ${comparison.worse} worse, ${comparison.same} the same`);
  }, 120_000);
});
