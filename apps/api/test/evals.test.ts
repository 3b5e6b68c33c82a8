import { EvalComparison, EvalRun, EvalRunBody, EvalRunList } from '@mesh/core';
import { RecoverySweeper } from '@mesh/mesh';
import { meshFakeResponder, startFakeProviderServer, startInProcessMesh, waitFor, type FakeProviderServer, type InProcessMesh } from '@mesh/testing';
import { KEY_B, startApiHarness, type ApiHarness } from './api-harness';

/**
 * Evaluations end to end: POST /evals runs a known case set through the real engine (the real
 * model layer and SDKs against the fake provider server, whose scripted coordinator answers each
 * case's task from the network's shared context), the coordinator scores each result with its
 * assertions and a judge call for the rubric, and the scores are the ones worked out by hand.
 * A planted change (the network's shared context) makes a second run, and the comparison reports
 * exactly the cases it made better and worse. Bad cases are 400, other tenants' networks and runs
 * 404, and lost scoring jobs are re-enqueued by the recovery sweeper.
 */

let fake: FakeProviderServer;
let h: ApiHarness;
let mesh: InProcessMesh;
/** What the judge was shown, per call: the rubric and the result blocks. */
const judged: { rubric: string | null; result: string | null }[] = [];

/** The answers of the scripted coordinator, by task: before and after the planted change (shared context `{"style": "v2"}`). */
const ANSWERS: Record<string, { v1: string; v2: string }> = {
  'Say hello to TechPro X1 users': { v1: 'Hello TechPro X1 users!', v2: 'Hello TechPro X1 users!' },
  'Give the send time as JSON': {
    v1: 'Here:\n```json\n{"send": {"day": "Monday", "hour": 10}}\n```',
    v2: 'Here:\n```json\n{"send": {"day": "Tuesday", "hour": 10}}\n```',
  },
  'Write a subject line': { v1: 'Subject: TechPro X1 is here', v2: 'Subject: TechPro X1 is here, now with AI code completion and automated testing' },
  'Pitch TechPro X1 to developers': { v1: 'TechPro X1 makes developers faster.', v2: 'TechPro X1 makes developers faster.' },
};

const CASES = [
  // 3 of 3 assertions: 1.
  { id: 'greeting', task: 'Say hello to TechPro X1 users', assertions: [{ type: 'contains', value: 'techpro x1' }, { type: 'not_contains', value: 'goodbye' }, { type: 'max_length', value: 30 }] },
  // v1: 1 of 2 (the day is Monday): 0.5; v2: 1.
  {
    id: 'send-time',
    task: 'Give the send time as JSON',
    assertions: [
      { type: 'json_field_equals', path: 'send.day', value: 'Tuesday' },
      { type: 'json_field_equals', path: 'send.hour', value: 10 },
    ],
  },
  // v1: 2 of 2: 1; v2: too long for both: 0.
  { id: 'subject', task: 'Write a subject line', assertions: [{ type: 'regex', pattern: '^Subject: .{1,30}$', flags: 'm' }, { type: 'max_length', value: 40 }] },
  // 1 of 1 assertion and a rubric the judge scores 0.8: (1 + 0.8) / 2 = 0.9, passed.
  { id: 'pitch', task: 'Pitch TechPro X1 to developers', assertions: [{ type: 'contains', value: 'developers' }], rubric: 'Speaks to developers and promises speed' },
  // The coordinator answers nonsense on every model: the task fails, the case scores 0 with the error.
  { id: 'broken', task: 'Answer nonsense', assertions: [{ type: 'contains', value: 'anything' }] },
];

beforeAll(async () => {
  fake = await startFakeProviderServer();
  const responder = meshFakeResponder((req) => {
    if (req.kind === 'rubric_verdict') {
      const rubric = req.block('rubric');
      const result = req.block('result');
      judged.push({ rubric, result });
      return { score: result?.includes('faster') ? 0.8 : 0.2, explanation: 'Promises speed to developers.' };
    }
    if (req.kind !== 'coordinator_decision') return undefined;
    // Its repair request too (which carries the task further up the conversation).
    if (req.request.promptText.includes('Answer nonsense')) return { nonsense: true };
    const task = req.block('task') ?? '';
    const answer = ANSWERS[task];
    if (!answer) return undefined;
    const v2 = (req.block('shared_context') ?? '').includes('"v2"');
    return { task_complete: true, reasoning: 'Answered directly.', subtasks: [], new_memories: [], result: { content: v2 ? answer.v2 : answer.v1, confidence: 0.9, explanation: 'Scripted.' } };
  });
  for (const provider of ['anthropic', 'openai', 'google'] as const) fake.respondWith(provider, responder);
  h = await startApiHarness('evals', {
    MESH_LLM_PROVIDER: 'live',
    ANTHROPIC_API_KEY: 'sk-ant-evals-test',
    OPENAI_API_KEY: 'sk-evals-test',
    GEMINI_API_KEY: 'AIza-evals-test-xxxxxxxxxxxxxxxx',
    ANTHROPIC_BASE_URL: fake.baseUrls.anthropic,
    OPENAI_BASE_URL: fake.baseUrls.openai,
    GEMINI_BASE_URL: fake.baseUrls.google,
    MESH_LLM_RETRIES: '0',
    MESH_RATE_LIMIT_PER_MINUTE: '0',
  });
  mesh = await startInProcessMesh(h.t, undefined);
}, 60_000);

afterAll(async () => {
  await mesh?.close();
  await fake?.close();
  await h?.close();
});

async function completedRun(runId: string, key?: string): Promise<EvalRun> {
  return waitFor(
    `evaluation run ${runId} to complete`,
    async () => {
      const res = await h.call('GET', `/evals/${runId}`, key ? { key } : {});
      expect(res.status).toBe(200);
      const run = EvalRunBody.parse(res.body).eval_run;
      return run.status === 'completed' ? run : undefined;
    },
    60_000,
    100,
  );
}

const byCase = (run: EvalRun) => Object.fromEntries((run.results ?? []).map((r) => [r.case_id, r]));

describe('evaluation runs', () => {
  let networkId: string;
  let first: EvalRun;
  let second: EvalRun;

  beforeAll(async () => {
    networkId = await mesh.createNetwork({ name: 'Email Campaign Assistant' });
    const started = await h.call('POST', '/evals', { json: { label: 'baseline', network_id: networkId, cases: CASES } });
    expect(started.status).toBe(202);
    const body = EvalRunBody.parse(started.body);
    expect(body.eval_run).toMatchObject({ label: 'baseline', status: 'running', cases_total: 5 });
    // Every case runs as an ordinary task of the network, linked to it.
    expect(body.eval_run.results!.map((r) => [r.case_id, r.status, r.network_id])).toEqual(CASES.map((c) => [c.id, 'running', networkId]));
    expect(body.eval_run.results!.every((r) => r.task_id !== null)).toBe(true);
    first = await completedRun(body.eval_run.eval_run_id);

    // The planted change: the network's shared context, which the scripted coordinator answers by.
    expect((await h.call('PATCH', `/networks/${networkId}`, { json: { shared_context: { style: 'v2' } } })).status).toBe(200);
    const again = await h.call('POST', '/evals', { json: { label: 'style v2', network_id: networkId, cases: CASES } });
    expect(again.status).toBe(202);
    second = await completedRun(again.body.eval_run.eval_run_id);
  }, 120_000);

  it('scores a known case set as worked out by hand', () => {
    const results = byCase(first);
    expect(Object.fromEntries(Object.entries(results).map(([id, r]) => [id, [r.status, r.score, r.passed]]))).toEqual({
      greeting: ['scored', 1, true],
      'send-time': ['scored', 0.5, false],
      subject: ['scored', 1, true],
      pitch: ['scored', 0.9, true],
      broken: ['error', 0, false],
    });
    expect(results['send-time']!.assertions).toEqual([
      { type: 'json_field_equals', passed: false, detail: 'send.day is "Monday", expected "Tuesday"' },
      { type: 'json_field_equals', passed: true, detail: 'send.hour equals 10' },
    ]);
    expect(results.greeting!.task_status).toBe('completed');
    expect(results.broken!.task_status).toBe('failed');
    expect(results.broken!.error).toMatch(/^The task ended failed: /);
    expect(first).toMatchObject({ status: 'completed', cases_total: 5, cases_scored: 5, passed: 3, failed: 2 });
    expect(first.mean_score).toBeCloseTo((1 + 0.5 + 1 + 0.9 + 0) / 5, 10);
    expect(first.completed_at).not.toBeNull();
  });

  it('scores a rubric with one judge call through the chain: the rubric and the result as data blocks', async () => {
    const pitch = byCase(first).pitch!;
    expect(pitch.rubric).toEqual({ score: 0.8, explanation: 'Promises speed to developers.' });
    expect(pitch.assertions).toEqual([{ type: 'contains', passed: true, detail: 'contains "developers"' }]);
    // Only the case with a rubric was judged, once per run.
    expect(judged).toEqual([
      { rubric: 'Speaks to developers and promises speed', result: 'TechPro X1 makes developers faster.' },
      { rubric: 'Speaks to developers and promises speed', result: 'TechPro X1 makes developers faster.' },
    ]);
    const { rows } = await h.t.db.query<{ tenant_id: string; network_id: string; task_id: string | null; outcome: string }>(
      `SELECT tenant_id, network_id, task_id, outcome FROM llm_calls WHERE purpose = 'judge' ORDER BY id`,
    );
    expect(rows).toEqual([
      { tenant_id: 'tenant-a', network_id: networkId, task_id: null, outcome: 'success' },
      { tenant_id: 'tenant-a', network_id: networkId, task_id: null, outcome: 'success' },
    ]);
  });

  it('compares two runs: exactly the planted better and worse cases', async () => {
    expect(Object.fromEntries((second.results ?? []).map((r) => [r.case_id, r.score]))).toEqual({ greeting: 1, 'send-time': 1, subject: 0, pitch: 0.9, broken: 0 });
    const res = await h.call('GET', `/evals/compare?a=${first.eval_run_id}&b=${second.eval_run_id}`);
    expect(res.status).toBe(200);
    const comparison = EvalComparison.parse(res.body);
    expect(comparison.cases).toEqual([
      { case_id: 'greeting', a_score: 1, b_score: 1, change: 'same' },
      { case_id: 'send-time', a_score: 0.5, b_score: 1, change: 'better' },
      { case_id: 'subject', a_score: 1, b_score: 0, change: 'worse' },
      { case_id: 'pitch', a_score: 0.9, b_score: 0.9, change: 'same' },
      { case_id: 'broken', a_score: 0, b_score: 0, change: 'same' },
    ]);
    expect(comparison).toMatchObject({ better: 1, worse: 1, same: 3, a: { eval_run_id: first.eval_run_id, label: 'baseline' }, b: { eval_run_id: second.eval_run_id, label: 'style v2' } });
    expect(comparison.a.results).toBeUndefined();
  });

  it('lists the runs newest first, without results', async () => {
    const res = await h.call('GET', '/evals?limit=2');
    expect(res.status).toBe(200);
    const { eval_runs } = EvalRunList.parse(res.body);
    expect(eval_runs.map((r) => r.eval_run_id)).toEqual([second.eval_run_id, first.eval_run_id]);
    expect(eval_runs.every((r) => r.results === undefined)).toBe(true);
  });

  it("isolates tenants: another tenant's runs and networks are 404, and its list is its own", async () => {
    expect((await h.call('GET', `/evals/${first.eval_run_id}`, { key: KEY_B })).status).toBe(404);
    expect((await h.call('GET', `/evals/compare?a=${first.eval_run_id}&b=${second.eval_run_id}`, { key: KEY_B })).status).toBe(404);
    const foreignNetwork = await h.call('POST', '/evals', { key: KEY_B, json: { network_id: networkId, cases: [{ id: 'x', task: 'Say hello to TechPro X1 users', rubric: 'Friendly' }] } });
    expect(foreignNetwork.status).toBe(404);
    expect(foreignNetwork.body.error.code).toBe('not_found');
    // A case naming another tenant's network, in a run whose default network is the caller's own.
    const ownB = await mesh.createNetwork({ name: 'B network' }, 'tenant-b');
    const mixed = await h.call('POST', '/evals', { key: KEY_B, json: { network_id: ownB, cases: [{ id: 'x', task: 'Hi', rubric: 'Friendly' }, { id: 'y', task: 'Hi', network_id: networkId, rubric: 'Friendly' }] } });
    expect(mixed.status).toBe(404);
    const list = await h.call('GET', '/evals', { key: KEY_B });
    expect(list.body).toEqual({ eval_runs: [] });
    // A run that does not exist, compared with one's own: 404 too.
    expect((await h.call('GET', `/evals/compare?a=${first.eval_run_id}&b=${ownB}`)).status).toBe(404);
  });

  it('answers 400 to cases that cannot be scored, and starts nothing', async () => {
    const before = await h.t.db.query<{ runs: string; tasks: string }>(`SELECT (SELECT count(*) FROM eval_runs) runs, (SELECT count(*) FROM tasks) tasks`);
    const bad = [
      { cases: [{ id: 'a', task: 'x', network_id: networkId }] },
      { network_id: networkId, cases: [{ id: 'a', task: 'x', assertions: [{ type: 'regex', pattern: '([a-z' }] }] },
      { network_id: networkId, cases: [{ id: 'a', task: 'x', rubric: 'r' }, { id: 'a', task: 'y', rubric: 'r' }] },
      { cases: [{ id: 'a', task: 'x', rubric: 'r' }] },
      { network_id: networkId, cases: [] },
      { network_id: networkId, cases: [{ id: 'a', task: 'x', assertions: [{ type: 'max_length', value: 0 }] }] },
    ];
    const answers = [];
    for (const json of bad) {
      const res = await h.call('POST', '/evals', { json });
      answers.push([res.status, res.body.error.code, res.body.error.details?.[0]?.path]);
    }
    expect(answers).toEqual([
      [400, 'validation_error', 'cases.0.assertions'],
      [400, 'validation_error', 'cases.0.assertions.0.pattern'],
      [400, 'validation_error', 'cases.1.id'],
      [400, 'validation_error', 'cases.0.network_id'],
      [400, 'validation_error', 'cases'],
      [400, 'validation_error', 'cases.0.assertions.0.value'],
    ]);
    const after = await h.t.db.query(`SELECT (SELECT count(*) FROM eval_runs) runs, (SELECT count(*) FROM tasks) tasks`);
    expect(after.rows).toEqual(before.rows);
    expect((await h.call('GET', '/evals/compare?a=not-a-run&b=x')).status).toBe(400);
    expect((await h.call('GET', `/evals/${networkId}`)).status).toBe(404);
  });

  it('is crash-safe: a case whose task ended without its scoring job is scored by the recovery sweeper, once', async () => {
    // A run whose one case is linked to a task that has already ended: nobody enqueued its scoring.
    const ended = first.results!.find((r) => r.case_id === 'greeting')!.task_id!;
    const spec = { task: 'Say hello to TechPro X1 users', context: {}, assertions: [{ type: 'contains' as const, value: 'Hello' }], rubric: null };
    const run = await h.deps.store.evals.create('tenant-a', { label: 'lost job', cases: [{ caseId: 'greeting', networkId, spec }] });
    // The unique task link belongs to the first run's case: point this case at a copy of the task.
    const copy = await h.t.db.query<{ id: string }>(
      `INSERT INTO tasks (id, tenant_id, network_id, task, context, priority, status, max_iterations, timeout_seconds, result, completed_at)
       SELECT gen_random_uuid(), tenant_id, network_id, task, context, priority, status, max_iterations, timeout_seconds, result, now() - interval '1 minute' FROM tasks WHERE id = $1 RETURNING id`,
      [ended],
    );
    expect(await h.deps.store.evals.linkTask('tenant-a', run.eval_run_id, 'greeting', copy.rows[0]!.id)).toBe(true);
    const sweeper = new RecoverySweeper(mesh.engine, { intervalMs: 60_000, quietMs: 1_000 });
    try {
      expect((await sweeper.sweep()).redispatched.evaluate).toBe(1);
      const scored = await completedRun(run.eval_run_id);
      expect(byCase(scored).greeting).toMatchObject({ status: 'scored', score: 1, passed: true });
      expect((await sweeper.sweep()).redispatched.evaluate).toBe(0);
    } finally {
      await sweeper.stop();
    }
    // Scoring is guarded: a second score of the same case changes nothing.
    expect(await h.deps.store.evals.recordScore('tenant-a', run.eval_run_id, 'greeting', { status: 'scored', score: 0, passed: false, assertions: [], rubric: null, error: null })).toBe(false);
    expect(byCase((await h.deps.store.evals.get('tenant-a', run.eval_run_id))!).greeting!.score).toBe(1);
  });
});
