import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { Approval, Budget, BudgetList, Network, Task, UsageReport } from '@mesh/core';
import { createTestEnv, launchApp, REPO_ROOT, type LaunchedProcess, type TestEnv } from '@mesh/testing';
import { runCli } from './cli';

/** The built `mesh` CLI as a child process against the real API, coordinator and worker (from dist). */

const CLI = join(REPO_ROOT, 'packages', 'cli', 'dist', 'main.js');
const KEY = 'key-tenant-a-123';
const KEY_B = 'key-tenant-b-456';
const SPECIALISTS = ['content', 'design', 'analytics', 'personalization'];
const SEO_WARNING = "Warning: no worker serves agent type 'seo': start one with --agents seo or --agents all; until then the coordinator does not plan for it\n";

let t: TestEnv;
let processes: LaunchedProcess[] = [];
let apiUrl: string;
let dir: string;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A running `mesh`: its output so far, and its end. */
function startMesh(args: string[], env: Record<string, string> = {}): { stdout(): string; done: Promise<Run> } {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH ?? '', MESH_URL: apiUrl, MESH_API_KEY: KEY, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<Run>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
  return { stdout: () => stdout, done };
}

function mesh(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return startMesh(args, env).done;
}

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the condition');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** runCli in this process with stdout as a terminal of `columns` (a child's stdout is a pipe, never a terminal). */
async function meshInTerminal(args: string[], columns: number | undefined): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  const code = await runCli(args, {
    stdout: { write: (text) => void (stdout += text), isTTY: true, ...(columns !== undefined ? { columns } : {}) },
    stderr: { write: () => {}, isTTY: false },
    env: { MESH_URL: apiUrl, MESH_API_KEY: KEY, NO_COLOR: '1' },
  });
  return { code, stdout };
}

async function meshJson<T>(args: string[]): Promise<T> {
  const run = await mesh([...args, '--json']);
  if (run.code !== 0) throw new Error(`mesh ${args.join(' ')} exited ${run.code}: ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` (./scripts/test builds first)`);
  // A subtask whose type no worker serves waits out the test instead of failing after the default 30 s.
  // tenant-a's key is an operator's (mesh budgets set); its budgets are set on one network of its own.
  t = await createTestEnv('cli', { MESH_SIM_LATENCY_MS: '100', MESH_UNSERVED_GRACE_SECONDS: '600', MESH_ADMIN_TENANTS: 'tenant-a', PORT: '0', HOST: '127.0.0.1' });
  const api = await launchApp('api', t.env);
  processes.push(api);
  apiUrl = (JSON.parse((await api.waitForLine(/"message":"api listening"/)).trim()) as { url: string }).url;
  // Only the default specialists have a worker: any other type is unserved (see "mesh agents" and "cancel").
  processes.push(await launchApp('coordinator', t.env), await launchApp('worker', t.env, { args: ['--agents', SPECIALISTS.join(',')] }));
  dir = mkdtempSync(join(tmpdir(), 'mesh-cli-'));
}, 60_000);

afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop()));
  processes = [];
  await t?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('mesh networks', () => {
  it('creates, lists, shows (by id and by name) and deletes networks', async () => {
    const created = await mesh(['networks', 'create', '--name', 'Campaigns', '--description', 'email work', '--max-iterations', '4', '--timeout-seconds', '120']);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^Created network Campaigns \([0-9a-f-]{36}\)/);
    for (const type of ['coordinator', ...SPECIALISTS]) expect(created.stdout).toContain(type);

    const list = await mesh(['networks', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^ID\s+NAME\s+AGENTS\s+TASKS/);
    expect(list.stdout).toMatch(/Campaigns\s+5\s+0/);

    const network = await meshJson<Network>(['networks', 'show', 'Campaigns']);
    expect(network).toMatchObject({ name: 'Campaigns', max_iterations: 4, timeout_seconds: 120 });
    expect(network.agents).toHaveLength(5);
    const byId = await mesh(['networks', 'show', network.id]);
    expect(byId.stdout).toContain('max iterations 4, timeout 120 s');

    const deleted = await mesh(['networks', 'delete', network.id]);
    expect(deleted).toMatchObject({ code: 0, stdout: `Deleted network ${network.id}\n` });
    const gone = await mesh(['networks', 'show', network.id]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('(HTTP 404 not_found)');
  });

  it('creates a network with custom agents from --agents-file', async () => {
    const file = join(dir, 'agents.json');
    writeFileSync(
      file,
      JSON.stringify([
        { name: 'Lead', type: 'coordinator' },
        { name: 'Writer', type: 'content', model: 'openai:gpt-4o', parameters: { temperature: 0.2, max_tokens: 800 }, capabilities: ['copy'] },
      ]),
    );
    const network = await meshJson<Network>(['networks', 'create', '--name', 'Custom', '--agents-file', file]);
    expect(network.agents?.map((a) => [a.type, a.model])).toEqual([
      ['coordinator', null],
      ['content', 'openai:gpt-4o'],
    ]);
  });
});

describe('mesh agents', () => {
  it('adds, lists and removes agents; the coordinator stays', async () => {
    const network = await meshJson<Network>(['networks', 'create', '--name', 'Agents']);
    const added = await mesh(['agents', 'add', network.id, '--name', 'SEO Specialist', '--type', 'seo', '--model', 'claude-3-7-sonnet', '--temperature', '0.4', '--capability', 'keywords', '--capability', 'seo_optimization']);
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(/^Added agent SEO Specialist \(seo\) [0-9a-f-]{36}\n$/);
    // No worker serves seo: added all the same, and told on stderr which worker to start.
    expect(added.stderr).toBe(SEO_WARNING);

    const list = await mesh(['agents', 'list', 'Agents']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/SEO Specialist\s+seo \(no worker\)\s+claude-3-7-sonnet\s+0\.4\s+4000\s+keywords, seo_optimization/);
    expect(list.stdout).toMatch(/Content Specialist\s+content\s+\(default chain\)/);
    expect(list.stdout).toContain('\n\nno worker serves agent type seo: the coordinator does not plan for it; start a worker with --agents seo or --agents all\n');
    expect(list.stdout.match(/\(no worker\)/g)).toHaveLength(1);
    const health = await mesh(['health']);
    expect(health.code).toBe(0);
    expect(health.stdout).toMatch(/\nno worker serves agent types? (\w+, )*seo(, \w+)*: the coordinator does not plan for (it|them); start a worker with --agents \S*seo\S* or --agents all\n/);
    expect((await meshJson<{ unserved_agent_types: string[] }>(['health'])).unserved_agent_types).toContain('seo');

    expect((await mesh(['agents', 'remove', network.id, 'seo'])).code).toBe(0);
    const after = await meshJson<{ agents: { type: string }[] }>(['agents', 'list', network.id]);
    expect(after.agents.map((a) => a.type)).not.toContain('seo');

    const coordinator = await mesh(['agents', 'remove', network.id, 'coordinator']);
    expect(coordinator.code).toBe(1);
    expect(coordinator.stderr).toContain('(HTTP 409 conflict)');
  });

  it('warns of no worker only for a type no worker serves; --json keeps the warnings in the answer', async () => {
    const file = join(dir, 'coordinator-only.json');
    writeFileSync(file, JSON.stringify([{ name: 'Lead', type: 'coordinator' }]));
    const network = await meshJson<Network>(['networks', 'create', '--name', 'Coverage', '--agents-file', file]);
    const served = await mesh(['agents', 'add', network.id, '--name', 'Writer', '--type', 'content']);
    expect(served).toMatchObject({ code: 0, stderr: '' });
    const servedList = await mesh(['agents', 'list', network.id]);
    expect(servedList.stdout).not.toContain('no worker');
    expect(servedList.stderr).toBe('');

    const unserved = await mesh(['agents', 'add', network.id, '--name', 'SEO', '--type', 'seo', '--json']);
    expect(unserved.code).toBe(0);
    expect(JSON.parse(unserved.stdout)).toMatchObject({ type: 'seo', warnings: [SEO_WARNING.slice('Warning: '.length, -1)] });
    expect(unserved.stderr).toBe(SEO_WARNING);
    const list = await mesh(['agents', 'list', network.id]);
    expect(list.stdout).toMatch(/\n\S+\s+SEO\s+seo \(no worker\)\s+/);
    expect(list.stdout).toMatch(/\n\S+\s+Writer\s+content\s+\(default chain\)/);
  });
});

describe('mesh tasks', () => {
  let networkId: string;

  /**
   * A network whose one specialist no worker serves. With a served specialist beside it the
   * coordinator would plan without it and the task would end; with none served it plans for it,
   * and the subtask waits (for MESH_UNSERVED_GRACE_SECONDS).
   */
  async function networkWithOnlyUnserved(name: string): Promise<Network> {
    const file = join(dir, `${name}-agents.json`);
    writeFileSync(file, JSON.stringify([{ name: 'Lead', type: 'coordinator' }]));
    const network = await meshJson<Network>(['networks', 'create', '--name', name, '--agents-file', file]);
    const added = await mesh(['agents', 'add', network.id, '--name', 'Nobody', '--type', 'unserved']);
    expect(added.code).toBe(0);
    expect(added.stderr).toContain("Warning: no worker serves agent type 'unserved'");
    return network;
  }

  beforeAll(async () => {
    networkId = (await meshJson<Network>(['networks', 'create', '--name', 'Tasks'])).id;
  });

  it('submit --wait shows each subtask progressing, then the result, and exits 0', async () => {
    const run = await mesh(['tasks', 'submit', 'Tasks', '--task', 'Write a launch email for TechPro X1', '--context', '{"product_name": "TechPro X1"}', '--priority', '2', '--wait']);
    expect(run.code).toBe(0);
    // Not a terminal: one appended line per change.
    expect(run.stdout).toMatch(/task queued|task in_progress/);
    for (const type of SPECIALISTS) expect(run.stdout).toMatch(new RegExp(`it1 ${type}: completed\\s+(\\d+ ms|\\d+\\.\\d s)\\s+simulated:simulated`));
    expect(run.stdout).toMatch(/task [0-9a-f-]{36}\s+completed/);
    expect(run.stdout).toContain('[simulated] Final result for: Write a launch email for TechPro X1');
    expect(run.stdout).toContain('product name: TechPro X1');
    expect(run.stdout).not.toContain('\x1b[');
  });

  it('--json prints the final task as JSON; list and show find it', async () => {
    const task = await meshJson<Task>(['tasks', 'submit', networkId, '--task', 'Plan a webinar', '--wait', '60']);
    expect(task.status).toBe('completed');
    expect(task.subtasks?.map((s) => s.agent_type).sort()).toEqual([...SPECIALISTS].sort());

    const list = await mesh(['tasks', 'list', networkId, '--status', 'completed']);
    expect(list.stdout).toContain(task.id);
    expect(list.stdout).toContain('Plan a webinar');
    const shown = await mesh(['tasks', 'show', networkId, task.id]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/IT\s+AGENT\s+KEY\s+STATUS\s+DURATION/);
    expect(shown.stdout).toContain('[simulated] Final result for: Plan a webinar');
  });

  it('exits 3 when --wait runs out, and cancels the task (409 the second time)', async () => {
    // The only specialist is of a type no worker serves: its subtask waits, so the task cannot end on its own.
    const network = await networkWithOnlyUnserved('Stuck');
    const waited = await mesh(['tasks', 'submit', network.id, '--task', 'Wait for nobody', '--wait', '1']);
    expect(waited.code).toBe(3);
    expect(waited.stdout).toMatch(/Waited 1 s: the task is still (queued|in_progress) and goes on/);
    const taskId = /mesh tasks show \S+ ([0-9a-f-]{36})/.exec(waited.stdout)?.[1] ?? '';

    const cancelled = await mesh(['tasks', 'cancel', network.id, taskId]);
    expect(cancelled).toMatchObject({ code: 0, stdout: `Cancelled task ${taskId} (cancelled)\n` });
    const again = await mesh(['tasks', 'cancel', network.id, taskId]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('has already ended (cancelled)');
    expect(again.stderr).toContain('(HTTP 409 conflict)');
  });

  it('show --follow attaches the live view to an unfinished task until it ends', async () => {
    // An unserved agent type keeps the task running until it is cancelled from elsewhere.
    const network = await networkWithOnlyUnserved('Follow');
    const task = await meshJson<Task>(['tasks', 'submit', network.id, '--task', 'Follow me']);
    const follow = startMesh(['tasks', 'show', 'Follow', task.id, '--follow']);
    await until(() => /task (queued|in_progress)/.test(follow.stdout()));
    expect((await mesh(['tasks', 'cancel', network.id, task.id])).code).toBe(0);
    const run = await follow.done;
    expect(run.code).toBe(1); // as submit --wait: a cancelled task exits 1
    expect(run.stdout).toMatch(/\] task cancelled/);
    expect(run.stdout).toMatch(new RegExp(`task ${task.id}\\s+cancelled`));
  });

  it('show --follow prints an ended task as show does, exit 0', async () => {
    const task = await meshJson<Task>(['tasks', 'submit', networkId, '--task', 'Ended already', '--wait']);
    const shown = await mesh(['tasks', 'show', networkId, task.id]);
    const followed = await mesh(['tasks', 'show', networkId, task.id, '--follow']);
    expect(followed.code).toBe(0);
    expect(followed.stdout.replace(/\d+(\.\d+)? (ms|s)\b/g, 'T')).toBe(shown.stdout.replace(/\d+(\.\d+)? (ms|s)\b/g, 'T'));
    expect(await meshJson<Task>(['tasks', 'show', networkId, task.id, '--follow'])).toEqual(await meshJson<Task>(['tasks', 'show', networkId, task.id]));
  });

  it('fits tables to the terminal by cutting free text; piped output stays whole', async () => {
    const long = 'Write a long brief about the spring campaign launch'; // under the 60 that piped output keeps
    const task = await meshJson<Task>(['tasks', 'submit', networkId, '--task', long]);
    const piped = await mesh(['tasks', 'list', networkId]);
    expect(piped.stdout).toContain(long);
    for (const columns of [120, 80, undefined]) {
      const { code, stdout } = await meshInTerminal(['tasks', 'list', networkId], columns);
      expect(code).toBe(0);
      for (const line of stdout.split('\n')) expect(line.length).toBeLessThanOrEqual(columns ?? 80);
      expect(stdout).toContain(task.id);
      expect(stdout).not.toContain(long);
    }
    // At 120 the ids, statuses and times fit whole and the task text is cut with an ellipsis.
    expect((await meshInTerminal(['tasks', 'list', networkId], 120)).stdout).toMatch(new RegExp(`${task.id}.*Z  Write a long brief\\S* .*…\n`));
  });

  it('answers 404 for an unknown task', async () => {
    const run = await mesh(['tasks', 'show', networkId, randomUUID()]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^Error: Task [0-9a-f-]{36} not found \(HTTP 404 not_found\)/);
  });
});

describe('mesh memory', () => {
  it('adds items (once) and searches them by query and type', async () => {
    const network = await meshJson<Network>(['networks', 'create', '--name', 'Memory']);
    const added = await mesh(['memory', 'add', network.id, '--content', 'Developers open email on Tuesday mornings', '--type', 'fact', '--confidence', '0.9']);
    expect(added.stdout).toMatch(/^Stored fact [0-9a-f-]{36}/);
    const again = await mesh(['memory', 'add', network.id, '--content', 'Developers open email on Tuesday mornings', '--type', 'fact']);
    expect(again.stdout).toMatch(/^Already stored: reinforced fact/);
    await mesh(['memory', 'add', network.id, '--content', 'The brand voice is plain and direct', '--type', 'decision']);

    const search = await mesh(['memory', 'search', network.id, '--query', 'Tuesday email']);
    expect(search.code).toBe(0);
    expect(search.stdout).toMatch(/RELEVANCE/);
    expect(search.stdout).toContain('Developers open email on Tuesday mornings');
    expect(search.stdout).not.toContain('brand voice');

    const decisions = await meshJson<{ memory: { content: string }[]; total: number }>(['memory', 'search', network.id, '--type', 'decision', '--limit', '5']);
    expect(decisions.memory.map((m) => m.content)).toEqual(['The brand voice is plain and direct']);
  });

  it('finds the docs example by meaning once the processes have embedded it (docs/console-and-cli.md)', async () => {
    const network = await meshJson<Network>(['networks', 'create', '--name', 'Send times']);
    const example = 'Tech professionals open emails most on Tuesday and Wednesday mornings';
    await mesh(['memory', 'add', network.id, '--content', example, '--type', 'fact']);
    await mesh(['memory', 'add', network.id, '--content', 'The brand voice is plain and direct', '--type', 'decision']);
    // The workers embed new items in batches, within about a second (MESH_EMBEDDING_POLL_MS).
    let search: Run = { code: null, stdout: '', stderr: '' };
    const until = Date.now() + 20_000;
    do {
      search = await mesh(['memory', 'search', network.id, '--query', 'best send time']);
    } while (!search.stdout.includes(example) && Date.now() < until);
    expect(search.code).toBe(0);
    expect(search.stdout).toContain(example);
    const keyword = await mesh(['memory', 'search', network.id, '--query', 'best send time', '--mode', 'keyword']);
    expect(keyword.stdout).toContain('No memory items match.');
    const bad = await mesh(['memory', 'search', network.id, '--query', 'best send time', '--mode', 'fuzzy']);
    expect(bad.code).not.toBe(0);
  }, 60_000);
});

describe('mesh approvals', () => {
  const DEFAULT_SETTINGS = { plan: false, tool_calls: 'none', result: false, questions: false };

  /** The task's pending request, once the coordinator has made it. */
  async function pendingApproval(networkId: string, taskId: string): Promise<Approval> {
    let found: Approval | undefined;
    const deadline = Date.now() + 20_000;
    while (!found) {
      if (Date.now() > deadline) throw new Error(`no pending approval for task ${taskId}`);
      found = (await meshJson<{ approvals: Approval[] }>(['approvals', 'list', '--network', networkId, '--task', taskId])).approvals[0];
    }
    return found;
  }

  it('networks create and update take the approval settings; update changes only what it names', async () => {
    const created = await meshJson<Network>(['networks', 'create', '--name', 'Reviewed', '--approve', 'plan', '--approve-tools', 'side_effects', '--questions', '--approval-timeout', '3600']);
    expect(created).toMatchObject({ approvals: { plan: true, tool_calls: 'side_effects', result: false, questions: true }, approval_timeout_seconds: 3600 });
    expect((await mesh(['networks', 'show', 'Reviewed'])).stdout).toContain("approvals: plan, tool calls with side effects, agents' questions; requests expire after 3600 s");

    const updated = await meshJson<Network>(['networks', 'update', 'Reviewed', '--approve', 'plan,result', '--no-questions']);
    expect(updated).toMatchObject({ approvals: { plan: true, tool_calls: 'side_effects', result: true, questions: false }, approval_timeout_seconds: 3600 });
    const renamed = await mesh(['networks', 'update', created.id, '--name', 'Reviewed again', '--approve', 'none', '--approve-tools', 'none', '--max-iterations', '3']);
    expect(renamed.code).toBe(0);
    expect(renamed.stdout).toMatch(/^Updated network Reviewed again \([0-9a-f-]{36}\)/);
    expect(renamed.stdout).toContain('max iterations 3, timeout 300 s');
    expect(renamed.stdout).toContain('approvals: none; requests expire after 3600 s');
    expect((await meshJson<Network>(['networks', 'show', created.id])).approvals).toEqual(DEFAULT_SETTINGS);

    const tooLong = await mesh(['networks', 'update', created.id, '--approval-timeout', '99999999']);
    expect(tooLong.code).toBe(1);
    expect(tooLong.stderr).toContain('(HTTP 400 validation_error)');
    expect(tooLong.stderr).toContain('approval_timeout_seconds');
  });

  it('a task submitted with --approve none does not wait on a network that asks for plans', async () => {
    const network = await meshJson<Network>(['networks', 'create', '--name', 'Overrides', '--approve', 'plan']);
    const task = await meshJson<Task>(['tasks', 'submit', network.id, '--task', 'No review needed', '--approve', 'none', '--wait', '60']);
    expect(task.status).toBe('completed');
    expect(task.approvals).toEqual(DEFAULT_SETTINGS);
    expect((await meshJson<{ approvals: Approval[] }>(['approvals', 'list', '--network', network.id, '--status', 'all'])).approvals).toEqual([]);
  });

  describe('on a network whose plans wait for a person', () => {
    let network: Network;
    beforeAll(async () => {
      network = await meshJson<Network>(['networks', 'create', '--name', 'Approvals', '--approve', 'plan']);
    });

    it('lists and shows the pending plan; bad edits are a 400 and change nothing; approve with edits runs the edited plan; a second decision is a 409', async () => {
      const task = await meshJson<Task>(['tasks', 'submit', 'Approvals', '--task', 'Launch the spring campaign']);
      const approval = await pendingApproval(network.id, task.id);
      expect(approval).toMatchObject({ kind: 'plan', status: 'pending', task_id: task.id, network_id: network.id });

      const shownTask = await mesh(['tasks', 'show', 'Approvals', task.id]);
      expect(shownTask.stdout).toMatch(new RegExp(`task ${task.id}\\s+awaiting_approval`));
      expect(shownTask.stdout).toContain('waiting for a person since');
      expect(shownTask.stdout).toContain(`waiting for a person\n  plan, expires in 23 h: iteration 1: 4 subtask(s)`);
      expect(shownTask.stdout).toContain(`mesh approvals show ${approval.id}`);

      // Without --network: every network is searched, and the table names the network.
      const list = await mesh(['approvals', 'list']);
      expect(list.code).toBe(0);
      expect(list.stdout).toMatch(/^ID\s+KIND\s+STATUS\s+TASK\s+NETWORK\s+REQUESTED\s+EXPIRES\s+SUBJECT\n/);
      expect(list.stdout).toMatch(new RegExp(`${approval.id}  plan  pending  ${task.id}  Approvals\\s+\\d+ s ago\\s+in 23 h\\s+iteration 1: 4 subtask\\(s\\): (\\w+(, )?){4}\n`));
      expect(list.stdout).toContain('1 approval(s). Show one with: mesh approvals show <id>');
      const listed = await meshJson<{ approvals: Approval[] }>(['approvals', 'list', '--network', 'Approvals', '--status', 'all', '--kind', 'plan', '--task', task.id.slice(0, 8)]);
      expect(listed.approvals.map((a) => a.id)).toEqual([approval.id]);
      expect((await meshJson<{ approvals: Approval[] }>(['approvals', 'list', '--network', network.id, '--status', 'approved'])).approvals).toEqual([]);
      // A terminal gets the short ids (which every approvals command takes), and lines that fit.
      const narrow = await meshInTerminal(['approvals', 'list', '--network', network.id], 80);
      for (const line of narrow.stdout.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
      expect(narrow.stdout).toMatch(new RegExp(`^${approval.id.slice(0, 8)}  plan  pending  ${task.id.slice(0, 8)}  `, 'm'));
      expect(narrow.stdout).not.toContain(approval.id);

      const shown = await mesh(['approvals', 'show', approval.id.slice(0, 8)]);
      expect(shown.code).toBe(0);
      expect(shown.stdout).toMatch(new RegExp(`^approval ${approval.id}  pending\nplan of task ${task.id} in network ${network.id}\n`));
      expect(shown.stdout).toContain('plan for iteration 1: 4 subtask(s)');
      expect(shown.stdout).toMatch(/KEY\s+AGENT\s+DEPENDS ON\s+DESCRIPTION/);
      for (const type of SPECIALISTS) expect(shown.stdout).toMatch(new RegExp(`^${type}\\s+${type}\\s+-\\s+\\S`, 'm'));
      expect(shown.stdout).toContain(`mesh approvals approve ${approval.id} [--comment <text>]`);

      const unknownAgent = await mesh(['approvals', 'approve', approval.id, '--network', network.id, '--edits', JSON.stringify({ subtasks: [{ key: 'x', agent_type: 'nobody', description: 'd', depends_on: [] }] })]);
      expect(unknownAgent.code).toBe(1);
      expect(unknownAgent.stderr).toContain('The edited plan cannot run (HTTP 400 validation_error)');
      expect(unknownAgent.stderr).toMatch(/\n {2}edits\.subtasks: .*nobody/);
      const wrongShape = await mesh(['approvals', 'approve', approval.id, '--edits', '{"steps": []}']);
      expect(wrongShape.code).toBe(1);
      expect(wrongShape.stderr).toContain('The edits do not fit this kind of approval (HTTP 400 validation_error)');
      expect(wrongShape.stderr).toMatch(/\n {2}edits(\.\w+)?: /);
      expect((await meshJson<Approval>(['approvals', 'show', approval.id])).status).toBe('pending');

      const file = join(dir, 'plan-edits.json');
      writeFileSync(file, JSON.stringify({ subtasks: [{ key: 'x', agent_type: 'content', description: 'Write only the launch email', depends_on: [] }] }));
      const approved = await mesh(['approvals', 'approve', approval.id.slice(0, 8), '--edits', `@${file}`, '--comment', 'Only the email', '--as', 'alice']);
      expect(approved.code).toBe(0);
      expect(approved.stdout).toMatch(new RegExp(`^Approved plan ${approval.id} of task ${task.id}: the task goes on\\.\n`));
      expect(approved.stdout).toMatch(/\napproved by alice at \S+ \(\d+ s ago\)\ncomment: Only the email\nedits\n/);
      expect(approved.stdout).toContain('"description": "Write only the launch email"');

      const followed = await mesh(['tasks', 'show', network.id, task.id, '--follow']);
      expect(followed.code).toBe(0);
      const done = await meshJson<Task>(['tasks', 'show', network.id, task.id]);
      expect(done.status).toBe('completed');
      expect(done.subtasks?.map((s) => [s.key, s.agent_type, s.status])).toEqual([['x', 'content', 'completed']]);
      expect(await meshJson<Approval>(['approvals', 'show', approval.id, '--network', 'Approvals'])).toMatchObject({
        status: 'approved',
        decided_by: 'alice',
        comment: 'Only the email',
        edits: { subtasks: [{ key: 'x', agent_type: 'content' }] },
      });

      const again = await mesh(['approvals', 'reject', approval.id, '--comment', 'Changed my mind']);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/^Error: .* \(HTTP 409 conflict\)/);
      expect((await meshJson<{ approvals: Approval[] }>(['approvals', 'list', '--network', network.id])).approvals).toEqual([]);
    });

    it('tasks show --follow says when a person is asked; a rejection with a comment sends the coordinator back to planning', async () => {
      const task = await meshJson<Task>(['tasks', 'submit', network.id, '--task', 'Plan the autumn campaign']);
      const follow = startMesh(['tasks', 'show', network.id, task.id, '--follow']);
      await until(() => /plan of iteration 1 .*: mesh approvals show [0-9a-f-]{36}/.test(follow.stdout()), 20_000);
      const id = /plan of iteration 1 \(4 subtask\(s\)\): mesh approvals show ([0-9a-f-]{36})/.exec(follow.stdout())?.[1] ?? '';
      expect(follow.stdout()).toMatch(/\] task awaiting_approval \(iteration 1\/10\)\n/);

      const answered = await mesh(['approvals', 'answer', id, 'Yes']);
      expect(answered.code).toBe(1);
      expect(answered.stderr).toContain('An answer is for a question');
      expect(answered.stderr).toContain('(HTTP 400 validation_error)');
      const noComment = await mesh(['approvals', 'reject', id]);
      expect(noComment.code).toBe(2);
      expect(noComment.stderr).toContain('--comment is required');

      const rejected = await meshJson<Approval>(['approvals', 'reject', id, '--comment', 'Too broad: only the email']);
      expect(rejected).toMatchObject({ id, status: 'rejected', comment: 'Too broad: only the email', decided_by: userInfo().username });
      // The coordinator plans again, with the feedback, and asks again.
      await until(() => /plan of iteration 2 \(4 subtask\(s\)\): mesh approvals show [0-9a-f-]{36}/.test(follow.stdout()), 20_000);
      const shown = await mesh(['tasks', 'show', network.id, task.id]);
      expect(shown.stdout).toContain('plan of iteration 1 rejected: Too broad: only the email');
      expect((await meshJson<Task>(['tasks', 'show', network.id, task.id])).human_feedback).toEqual([{ kind: 'plan', iteration: 1, status: 'rejected', comment: 'Too broad: only the email' }]);

      expect((await mesh(['tasks', 'cancel', network.id, task.id])).code).toBe(0);
      const run = await follow.done;
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(new RegExp(`task ${task.id}\\s+cancelled`));
      // The task has ended: nothing about it can be decided any more.
      const second = /plan of iteration 2 \(4 subtask\(s\)\): mesh approvals show ([0-9a-f-]{36})/.exec(run.stdout)?.[1] ?? '';
      const late = await mesh(['approvals', 'approve', second, '--network', network.id]);
      expect(late.code).toBe(1);
      expect(late.stderr).toContain('(HTTP 409 conflict)');
    });

    it('answers 404 for an approval that is not there', async () => {
      const byId = await mesh(['approvals', 'show', randomUUID()]);
      expect(byId.code).toBe(1);
      expect(byId.stderr).toMatch(/^Error: Approval [0-9a-f-]{36} not found in any of your networks \(HTTP 404 not_found\)/);
      const byPrefix = await mesh(['approvals', 'approve', 'ffffffff', '--network', network.id]);
      expect(byPrefix.code).toBe(1);
      expect(byPrefix.stderr).toContain('No approval starting with ffffffff');
    });
  });
});

describe('mesh usage and budgets', () => {
  /** The API's answer to a GET, read directly (what the CLI's output is checked against). */
  async function apiGet<T>(path: string): Promise<T> {
    const res = await fetch(`${apiUrl}/api/mesh${path}`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(res.status).toBe(200);
    return (await res.json()) as T;
  }

  const utcMidnight = () => `${new Date().toISOString().slice(0, 10)}T00:00:00Z`;
  let network: Network;

  beforeAll(async () => {
    network = await meshJson<Network>(['networks', 'create', '--name', 'Usage']);
    const task = await meshJson<Task>(['tasks', 'submit', 'Usage', '--task', 'Write the usage report email', '--wait', '60']);
    expect(task.status).toBe('completed');
  });

  it("mesh usage prints the API's rows and totals for the range, grouping and network given; --json is the API's answer", async () => {
    const from = new Date(Date.now() - 86_400_000).toISOString();
    const to = new Date(Date.now() + 3_600_000).toISOString();
    const query = `from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&network_id=${network.id}`;
    const byAgent = await apiGet<UsageReport>(`/usage?${query}&group_by=agent_type`);
    expect(byAgent.rows.map((r) => r.key).sort()).toEqual(['coordinator', ...SPECIALISTS].sort());

    const run = await mesh(['usage', '--network', 'Usage', '--from', from, '--to', to, '--group-by', 'agent_type']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`usage ${from} to ${to}, by agent_type, network Usage`);
    expect(lines[2]).toMatch(/^AGENT TYPE\s+CALLS\s+INPUT\s+OUTPUT\s+TOKENS\s+COST$/);
    const cells = (r: Omit<UsageReport['rows'][number], 'key'>) => `${r.llm_calls}\\s+${r.input_tokens}\\s+${r.output_tokens}\\s+${r.tokens}\\s+\\$${r.cost_usd.toFixed(4)}`;
    expect(lines.slice(3)).toEqual([...byAgent.rows.map((r) => expect.stringMatching(new RegExp(`^${r.key}\\s+${cells(r)}$`))), expect.stringMatching(new RegExp(`^TOTAL\\s+${cells(byAgent.total)}$`))]);
    expect(byAgent.total.llm_calls).toBeGreaterThanOrEqual(1 + SPECIALISTS.length);

    expect(await meshJson<UsageReport>(['usage', '--network', network.id, '--from', from, '--to', to, '--group-by', 'model'])).toEqual(await apiGet<UsageReport>(`/usage?${query}&group_by=model`));
    // By network, the caller's networks are named.
    expect((await mesh(['usage', '--group-by', 'network'])).stdout).toMatch(new RegExp(`\n${network.id}  Usage\\s+\\d+`));
  });

  it("an operator sets a network's daily budget, mesh budgets shows its share; used up, tasks submit prints the 402; deleted by the start of its id, it is gone", async () => {
    const used = (await apiGet<UsageReport>(`/usage?from=${utcMidnight()}&network_id=${network.id}`)).total.tokens;
    const max = Math.ceil(used / 0.9);
    const set = await mesh(['budgets', 'set', '--tenant', 'tenant-a', '--network', 'Usage', '--period', 'day', '--tokens', String(max)]);
    expect(set).toMatchObject({ code: 0, stderr: '' });
    const budgetId = /^Set budget ([0-9a-f-]{36})\n/.exec(set.stdout)?.[1] ?? '';
    expect(set.stdout).toMatch(new RegExp(`\n${budgetId}\\s+tenant-a\\s+network Usage\\s+day \\d{4}-\\d{2}-\\d{2}\\s+${used} / ${max}\\s+`));

    const [budget] = (await apiGet<BudgetList>('/budgets')).budgets as [Budget];
    expect(budget).toMatchObject({ id: budgetId, network_id: network.id, used_tokens: used, max_tokens: max });
    const list = await mesh(['budgets']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`^ID\\s+SCOPE\\s+PERIOD\\s+TOKENS\\s+COST\\s+USED\\s+SOURCE\n${budgetId}\\s+network Usage\\s+day ${utcMidnight().slice(0, 10)}\\s+${used} / ${max}\\s+\\$\\d+\\.\\d{4} / no limit\\s+${Math.floor(budget.used_ratio * 100)}% warning\\s+api\n$`));
    expect(await meshJson<BudgetList>(['budgets'])).toEqual(await apiGet<BudgetList>('/budgets'));

    // Replaced by one the network has used up: new tasks of that network are refused, nothing stored.
    expect((await mesh(['budgets', 'set', '--tenant', 'tenant-a', '--network', network.id, '--period', 'day', '--tokens', String(used)])).code).toBe(0);
    expect((await mesh(['budgets'])).stdout).toMatch(/ 100% exhausted +api\n\nAn exhausted budget refuses new tasks of its scope \(402 budget_exhausted\)/);
    const refused = await mesh(['tasks', 'submit', 'Usage', '--task', 'One more', '--wait']);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(
      new RegExp(
        `^Error: Budget exhausted: the network's daily budget is used up \\(${used} of ${used} tokens; it renews at the start of the next UTC day\\) \\(HTTP 402 budget_exhausted\\)\n` +
          `  Nothing was started: budget ${budgetId} is used up\\. \`mesh budgets\` shows what each budget has used; an operator can raise one with \`mesh budgets set\`\\.\n$`,
      ),
    );
    expect((await meshJson<{ total: number }>(['tasks', 'list', 'Usage'])).total).toBe(1);

    const deleted = await mesh(['budgets', 'delete', budgetId.slice(0, 8)]);
    expect(deleted).toMatchObject({ code: 0, stdout: `Deleted budget ${budgetId}\n` });
    expect((await mesh(['budgets'])).stdout).toBe("No budgets: your tenant's model use is not limited.\n");
    const again = await mesh(['budgets', 'delete', budgetId]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('(HTTP 404 not_found)');
  });

  it("refuses the operators' commands to a key that is no operator's (403)", async () => {
    const set = await mesh(['budgets', 'set', '--tenant', 'tenant-b', '--period', 'day', '--tokens', '10'], { MESH_API_KEY: KEY_B });
    expect(set.code).toBe(1);
    expect(set.stderr).toBe('Error: This API key may not set budgets (MESH_ADMIN_TENANTS) (HTTP 403 forbidden)\n');
    expect((await mesh(['budgets', '--all'], { MESH_API_KEY: KEY_B })).stderr).toContain('(HTTP 403 forbidden)');
    // Its own budgets it may read: none.
    expect(await meshJson<BudgetList>(['budgets', '--api-key', KEY_B])).toEqual({ budgets: [] });
  });
});

describe('mesh errors', () => {
  it('reports a rejected key as 401 with a hint, exit 1', async () => {
    const run = await mesh(['networks', 'list'], { MESH_API_KEY: 'not-a-valid-key' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('(HTTP 401 unauthorized)');
    expect(run.stderr).toContain('MESH_API_KEY');
  });

  it('reports validation errors with their fields, exit 1', async () => {
    const network = await meshJson<Network>(['networks', 'create', '--name', 'Validation']);
    const run = await mesh(['tasks', 'submit', network.id, '--task', 'x', '--priority', '11']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('(HTTP 400 validation_error)');
    expect(run.stderr).toContain('priority');
  });

  it.each([
    [['networks', 'create'], '--name is required'],
    [['networks', 'create', '--name', 'x', '--nmae', 'y'], "Unknown option '--nmae'"],
    [['tasks', 'submit', 'net', '--task', 'x', '--priority', 'high'], '--priority must be an integer'],
    [['tasks', 'submit', 'net', '--task', 'x', '--context', '{oops'], '--context is not valid JSON'],
    [['tasks', 'submit', 'net', '--task', 'x', '--context', '[1]'], '--context must be a JSON object'],
    [['tasks', 'show', 'net'], 'missing <task>'],
    [['networks', 'explode'], 'unknown command "networks explode"'],
    [['launch'], 'unknown command "launch"'],
    [['--nmae', 'x', 'networks', 'list'], "Unknown global option '--nmae'"],
    [['--limit', '3', 'networks', 'list'], "Unknown global option '--limit'"],
    [['--api-key'], "Option '--api-key <value>' argument missing"],
    [['--json'], 'missing a command'],
    [['approvals', 'list', '--status', 'waiting'], '--status takes pending, approved, rejected, answered, expired, all'],
    [['approvals', 'approve'], 'missing <approval>'],
    [['approvals', 'approve', 'abcd1234', '--edits', '[1]'], '--edits must be a JSON object'],
    [['approvals', 'approve', 'abcd1234', '--edits', '@/nonexistent/edits.json'], '--edits: cannot read /nonexistent/edits.json (ENOENT)'],
    [['approvals', 'reject', 'abcd1234', '--edits', '{}'], "Unknown option '--edits'"],
    [['approvals', 'answer', 'abcd1234'], 'missing <answer>'],
    [['networks', 'update', 'net'], 'name at least one setting to change'],
    [['networks', 'create', '--name', 'x', '--approve', 'plans'], '--approve takes plan, result, plan,result or none'],
    [['tasks', 'submit', 'net', '--task', 'x', '--approve-tools', 'some'], '--approve-tools takes none, side_effects, all'],
  ])('exits 2 on the usage error in `mesh %s`', async (args, message) => {
    const run = await mesh(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stderr).toContain('Usage: mesh');
  });

  it('exits 2 without an API key, and 1 when the API cannot be reached', async () => {
    const noKey = await mesh(['networks', 'list'], { MESH_API_KEY: '' });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain('no API key: set MESH_API_KEY or pass --api-key');
    const unreachable = await mesh(['networks', 'list', '--url', 'http://127.0.0.1:1']);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain('Cannot reach the API at http://127.0.0.1:1');
  });

  it('takes global options before the command too; given twice, the later one wins', async () => {
    const keyFirst = await mesh(['--api-key', KEY, 'networks', 'list'], { MESH_API_KEY: '' });
    expect(keyFirst.code).toBe(0);
    expect(keyFirst.stdout).toMatch(/^ID\s+NAME/);
    const jsonFirst = await mesh(['--json', `--url=${apiUrl}`, 'networks', 'list'], { MESH_URL: 'http://127.0.0.1:1' });
    expect(jsonFirst.code).toBe(0);
    expect(JSON.parse(jsonFirst.stdout)).toHaveProperty('networks');
    const laterWins = await mesh(['--url', 'http://127.0.0.1:1', 'networks', 'list', '--url', apiUrl]);
    expect(laterWins.code).toBe(0);
    const laterLoses = await mesh(['--url', apiUrl, 'networks', 'list', '--url', 'http://127.0.0.1:1']);
    expect(laterLoses.code).toBe(1);
    expect(laterLoses.stderr).toContain('Cannot reach the API at http://127.0.0.1:1');
    const helpFirst = await mesh(['--help', 'tasks', 'show']);
    expect(helpFirst.code).toBe(0);
    expect(helpFirst.stdout).toContain('--follow');
    expect(helpFirst.stdout).toContain('the later one wins');
  });

  it('prints help with exit 0', async () => {
    const help = await mesh(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('tasks submit');
    const submitHelp = await mesh(['tasks', 'submit', '--help']);
    expect(submitHelp.stdout).toContain('--wait [seconds]');
  });
});
