import { ErrorBody, LlmCallList, type Task } from '@mesh/core';
import { RecoverySweeper } from '@mesh/mesh';
import { meshFakeResponder, startFakeProviderServer, startInProcessMesh, type FakeProviderServer, type InProcessMesh } from '@mesh/testing';
import { KEY_B, startApiHarness, type ApiHarness } from './api-harness';

/**
 * GET …/tasks/{task_id}/calls, the call inspector: every model call of a real run through the
 * real model layer and SDKs (the fake provider server), with its attempts and fallbacks, the
 * prompt as sent with the retrieved memory marked, the raw output and refused answers, tokens,
 * cost and latency; configured secrets never stored; prompts pruned after their retention while
 * usage stays; and a deployment with prompts switched off storing none.
 */

const SECRET = 'calls-Zq7SECRETpartnerT0ken4b6d8f0a2c4e6';
const MEMORY = 'The brand colour of Acme Rockets is teal';

let fake: FakeProviderServer;
let h: ApiHarness;
let mesh: InProcessMesh;

beforeAll(async () => {
  fake = await startFakeProviderServer();
  for (const provider of ['anthropic', 'openai', 'google'] as const) fake.respondWith(provider, meshFakeResponder());
  h = await startApiHarness('task-calls', {
    MESH_LLM_PROVIDER: 'live',
    ANTHROPIC_API_KEY: 'sk-ant-calls-test',
    OPENAI_API_KEY: 'sk-calls-test',
    GEMINI_API_KEY: 'AIza-calls-test-xxxxxxxxxxxxxxxx',
    ANTHROPIC_BASE_URL: fake.baseUrls.anthropic,
    OPENAI_BASE_URL: fake.baseUrls.openai,
    GEMINI_BASE_URL: fake.baseUrls.google,
    MESH_LLM_RETRIES: '0',
    // A tool secret: whatever carries its value is stored with [redacted] in its place.
    MESH_SECRET_PARTNER_TOKEN: SECRET,
  });
  mesh = await startInProcessMesh(h.t, undefined);
}, 60_000);

afterAll(async () => {
  await mesh?.close();
  await fake?.close();
  await h?.close();
});

async function runTask(networkId: string, task: string): Promise<Task> {
  return mesh.waitForTask(await mesh.submit(networkId, { task }), 40_000);
}

describe('GET /networks/{network_id}/tasks/{task_id}/calls', () => {
  let networkId: string;
  let task: Task;
  let memoryId: string;
  let body: LlmCallList;
  let text: string;

  beforeAll(async () => {
    networkId = await mesh.createNetwork({
      name: 'Calls',
      agents: [
        { name: 'Coordinator', type: 'coordinator' },
        { name: 'Writer', type: 'content' },
        { name: 'Designer', type: 'design' },
      ],
    });
    const memory = await h.call('POST', `/networks/${networkId}/memory`, { json: { content: MEMORY, memory_type: 'fact' } });
    expect(memory.status).toBe(201);
    memoryId = memory.body.id;
    // The plan's first model answers invalid output twice (the call and its repair): the next model answers.
    fake.inject('anthropic', { kind: 'invalid_output', text: 'Sorry, I cannot answer in JSON today' }, { times: 2 });
    task = await runTask(networkId, `Write a tagline for Acme Rockets in teal; the partner token is ${SECRET}`);
    expect(task.status).toBe('completed');
    const res = await h.call('GET', `/networks/${networkId}/tasks/${task.id}/calls`);
    expect(res.status).toBe(200);
    body = LlmCallList.parse(res.body);
    text = res.text;
  }, 60_000);

  it('lists every model call of the run in order: the plan, each subtask, then the completion', () => {
    expect(body.recording).toEqual({ prompts: true, retention_days: 30 });
    const purposes = body.calls.map((c) => c.purpose);
    expect(purposes[0]).toBe('plan');
    expect(body.calls[0]!.iteration).toBe(1);
    const subtasks = task.subtasks!;
    expect(subtasks.length).toBe(2);
    for (const s of subtasks) {
      const own = body.calls.filter((c) => c.subtask_id === s.id);
      expect(own).toHaveLength(1);
      expect(own[0]).toMatchObject({ purpose: 'subtask', subtask_key: s.key, agent_type: s.agent_type, iteration: s.iteration, outcome: 'success' });
      expect(`${own[0]!.provider}:${own[0]!.model}`).toBe(s.model);
    }
    // The next iteration's plan completes the task.
    expect(purposes.at(-1)).toBe('plan');
    expect(body.calls.at(-1)!.iteration).toBe(2);
    const starts = body.calls.map((c) => c.started_at);
    expect([...starts].sort()).toEqual(starts);
  });

  it("shows each call's attempts and fallbacks, with the refused answers", () => {
    const plan = body.calls[0]!;
    expect(plan.fell_back).toBe(true);
    expect(plan).toMatchObject({ provider: 'openai', outcome: 'success' });
    expect(plan.attempts.map((a) => [a.provider, a.chain_position, a.attempt, a.kind, a.outcome])).toEqual([
      ['anthropic', 0, 1, 'call', 'invalid_output'],
      ['anthropic', 0, 2, 'repair', 'invalid_output'],
      ['openai', 1, 1, 'call', 'success'],
    ]);
    expect(plan.attempts[0]!.error_class).toBe('invalid_output');
    expect(plan.attempts[0]!.error_message).toBeTruthy();
    expect(plan.rejected_outputs.map((r) => [r.chain_position, r.attempt, r.kind, r.text])).toEqual([
      [0, 1, 'call', 'Sorry, I cannot answer in JSON today'],
      [0, 2, 'repair', 'Sorry, I cannot answer in JSON today'],
    ]);
    for (const c of body.calls.slice(1)) {
      expect(c.fell_back).toBe(false);
      expect(c.attempts).toHaveLength(1);
    }
  });

  it('adds up to the task usage: tokens, attempts, cost; each call has a latency', () => {
    expect(body.calls.reduce((n, c) => n + c.input_tokens, 0)).toBe(task.usage.input_tokens);
    expect(body.calls.reduce((n, c) => n + c.output_tokens, 0)).toBe(task.usage.output_tokens);
    expect(body.calls.reduce((n, c) => n + c.attempts.length, 0)).toBe(task.usage.llm_calls);
    expect(body.calls.reduce((n, c) => n + c.cost_usd, 0)).toBeCloseTo(task.usage.cost_usd, 5);
    for (const c of body.calls) {
      expect(c.latency_ms).toBeGreaterThan(0);
      expect(c.input_tokens).toBeGreaterThan(0);
      expect(Date.parse(c.ended_at)).toBeGreaterThanOrEqual(Date.parse(c.started_at));
    }
  });

  it('holds the prompt as sent, system and user, with the retrieved memory items marked, and the raw output', () => {
    const plan = body.calls[0]!;
    expect(plan.prompt!.system).toContain('You work in iterations');
    expect(plan.prompt!.messages).toHaveLength(1);
    expect(plan.prompt!.messages[0]!.role).toBe('user');
    expect(plan.prompt!.messages[0]!.content).toContain(`<data name="memory">\n- [fact] ${MEMORY}\n</data>`);
    expect(plan.prompt!.memory_items).toEqual([{ id: memoryId, memory_type: 'fact', content: MEMORY }]);
    const decision = JSON.parse(plan.output!.text) as { task_complete: boolean; subtasks: unknown[] };
    expect(decision.task_complete).toBe(false);
    expect(decision.subtasks).toHaveLength(2);

    const subtask = body.calls.find((c) => c.purpose === 'subtask')!;
    expect(subtask.prompt!.system).toContain(`a specialist of type "${subtask.agent_type}"`);
    expect(subtask.prompt!.memory_items.map((m) => m.id)).toContain(memoryId);
    expect(JSON.parse(subtask.output!.text)).toHaveProperty('result');
  });

  it('stores no configured secret: the prompt carries [redacted] where the task had it', async () => {
    expect(text).not.toContain(SECRET);
    expect(body.calls[0]!.prompt!.messages[0]!.content).toContain('the partner token is [redacted]');
    const { rows } = await h.t.db.query<{ leaks: string }>(
      `SELECT count(*) AS leaks FROM llm_call_details WHERE system || messages::text || coalesce(output, '') || annotations::text LIKE '%' || $1 || '%'`,
      [SECRET],
    );
    expect(Number(rows[0]!.leaks)).toBe(0);
  });

  it("answers 404 for another tenant's task or another network's, 400 for a malformed id, changing nothing", async () => {
    const other = await mesh.createNetwork({ name: 'Other calls' });
    for (const [path, key] of [
      [`/networks/${networkId}/tasks/${task.id}/calls`, KEY_B],
      [`/networks/${other}/tasks/${task.id}/calls`, undefined],
    ] as const) {
      const res = await h.call('GET', path, key ? { key } : {});
      expect(res.status).toBe(404);
      expect(ErrorBody.parse(res.body).error.code).toBe('not_found');
    }
    const bad = await h.call('GET', `/networks/${networkId}/tasks/not-a-uuid/calls`);
    expect(bad.status).toBe(400);
    const query = await h.call('GET', `/networks/${networkId}/tasks/${task.id}/calls?limit=5`);
    expect(query.status).toBe(400);
  });

  it('prunes prompts and answers past their retention in the sweep; the calls and their usage stay', async () => {
    const pruned = await runTask(networkId, 'Another tagline, soon forgotten');
    expect(pruned.status).toBe('completed');
    // Backdated past a 1-day retention: only this task's details.
    await h.t.db.query(`UPDATE llm_call_details SET created_at = now() - interval '2 days' WHERE task_id = $1`, [pruned.id]);
    const sweeper = new RecoverySweeper(mesh.engine, { intervalMs: 60_000, promptRetentionMs: 86_400_000 });
    try {
      const report = await sweeper.sweep();
      expect(report.leader).toBe(true);
      expect(report.prunedCallDetails).toBeGreaterThanOrEqual(3);
    } finally {
      await sweeper.stop();
    }
    const after = LlmCallList.parse((await h.call('GET', `/networks/${networkId}/tasks/${pruned.id}/calls`)).body);
    expect(after.calls.length).toBeGreaterThanOrEqual(3);
    expect(after.calls.every((c) => c.prompt === null && c.output === null && c.attempts.length > 0)).toBe(true);
    expect(after.calls.reduce((n, c) => n + c.input_tokens, 0)).toBe(pruned.usage.input_tokens);
    // The first task's details are younger than the retention: kept.
    const kept = LlmCallList.parse((await h.call('GET', `/networks/${networkId}/tasks/${task.id}/calls`)).body);
    expect(kept.calls.every((c) => c.prompt !== null)).toBe(true);
  }, 60_000);

  it("deletes a network's prompts with the network", async () => {
    const doomed = await mesh.createNetwork({ name: 'Doomed calls' });
    const run = await runTask(doomed, 'Write and be forgotten');
    const count = async () => Number((await h.t.db.query<{ n: string }>('SELECT count(*) AS n FROM llm_call_details WHERE network_id = $1', [doomed])).rows[0]!.n);
    expect(await count()).toBeGreaterThan(0);
    expect(run.status).toBe('completed');
    expect((await h.call('DELETE', `/networks/${doomed}`)).status).toBe(204);
    expect(await count()).toBe(0);
  }, 60_000);
});

describe('with MESH_LLM_RECORD_PROMPTS=false', () => {
  let off: ApiHarness;
  let offMesh: InProcessMesh;

  beforeAll(async () => {
    off = await startApiHarness('task-calls-off', { MESH_LLM_RECORD_PROMPTS: 'false' });
    offMesh = await startInProcessMesh(off.t, undefined);
  }, 60_000);
  afterAll(async () => {
    await offMesh?.close();
    await off?.close();
  });

  it('lists the calls with their usage but stores no prompt or answer', async () => {
    const networkId = await offMesh.createNetwork({ name: 'No prompts' });
    const task = await offMesh.waitForTask(await offMesh.submit(networkId, { task: 'Write a private tagline' }), 40_000);
    expect(task.status).toBe('completed');
    const body = LlmCallList.parse((await off.call('GET', `/networks/${networkId}/tasks/${task.id}/calls`)).body);
    expect(body.recording.prompts).toBe(false);
    expect(body.calls.length).toBeGreaterThanOrEqual(3);
    expect(body.calls.every((c) => c.prompt === null && c.output === null)).toBe(true);
    expect(body.calls.reduce((n, c) => n + c.output_tokens, 0)).toBe(task.usage.output_tokens);
    const { rows } = await off.t.db.query<{ n: string }>('SELECT count(*) AS n FROM llm_call_details');
    expect(Number(rows[0]!.n)).toBe(0);
  }, 60_000);
});
