import { ErrorBody, ProviderError, Task } from '@mesh/core';
import { readDataBlock, RecoverySweeper, SCHEMA_NAMES } from '@mesh/mesh';
import { ScriptedModel, startInProcessMesh, waitOrAbort, type InProcessMesh } from '@mesh/testing';
import { KEY_B, startApiHarness, type ApiHarness } from './api-harness';

/**
 * Acting on a run: POST …/rerun (a new task with the same input) and POST …/subtasks/{id}/retry
 * (one failed subtask again, through the queue: the task reopens at that iteration, the
 * coordinator's wave logic runs on and the outcome is recomputed), with their refusals, and a
 * retry that survives losing its job (the recovery sweeper dispatches it again); and the agent
 * playground (one agent on an ad-hoc input through the worker pool, no coordinator).
 */

let h: ApiHarness;
let mesh: InProcessMesh;
let networkId: string;
/** While true, the design agent's model is down. */
let designDown = true;
/** While set, the design agent's model takes this long. */
let designDelayMs = 0;

const plan = (subtasks: { key: string; agent_type: string }[]) => ({
  task_complete: false,
  reasoning: 'split',
  subtasks: subtasks.map((s) => ({ key: s.key, agent_type: s.agent_type, description: `do ${s.key}`, depends_on: [] })),
  new_memories: [],
  result: null,
});
const done = (content: string) => ({ task_complete: true, reasoning: 'done', subtasks: [], new_memories: [], result: { content, confidence: 0.8, explanation: 'e' } });
const agentAnswer = (result: string) => ({ reasoning: 'r', result, confidence: 0.9, suggested_memories: [] });

const model = new ScriptedModel(async (req, call) => {
  const task = readDataBlock(call.user, 'task') ?? '';
  if (call.schemaName === SCHEMA_NAMES.coordinatorDecision) {
    const iteration = Number(/Iteration (\d+) of/.exec(call.user)?.[1] ?? 1);
    if (task.startsWith('Two rounds')) return iteration === 1 ? plan([{ key: 'sketch', agent_type: 'design' }]) : iteration === 2 ? plan([{ key: 'copy', agent_type: 'content' }]) : done('two rounds');
    if (iteration > 1) return done(call.user.includes('BANNER DRAWN') ? 'Email with its banner' : 'Email without a banner');
    return plan([{ key: 'copy', agent_type: 'content' }, { key: 'banner', agent_type: 'design' }]);
  }
  const subtask = readDataBlock(call.user, 'subtask') ?? '';
  if (subtask === 'do banner' || subtask === 'do sketch') {
    if (designDelayMs > 0) await waitOrAbort(designDelayMs, req.signal);
    if (designDown) return new ProviderError('All models failed: scripted:design (server 500)', { provider: 'scripted', model: 'design', retryable: false, errorClass: 'server' });
    return agentAnswer('BANNER DRAWN');
  }
  return agentAnswer(`COPY for ${task}`);
});

beforeAll(async () => {
  h = await startApiHarness('task-actions', { MESH_SUBTASK_ATTEMPTS: '1' });
  mesh = await startInProcessMesh(h.t, model);
  networkId = await mesh.createNetwork({ name: 'Actions', max_iterations: 3 });
}, 60_000);

afterEach(() => {
  designDown = true;
  designDelayMs = 0;
});

afterAll(async () => {
  await mesh?.close();
  await h?.close();
});

/** A task whose banner subtask failed and which completed without it. */
async function taskWithFailedBanner(text: string): Promise<Task> {
  const task = await mesh.waitForTask(await mesh.submit(networkId, { task: text, context: { brand: 'Acme' }, priority: 3 }), 30_000);
  expect(task).toMatchObject({ status: 'completed', iterations: 2, result: { content: 'Email without a banner' } });
  expect(task.subtasks!.find((s) => s.key === 'banner')).toMatchObject({ status: 'failed', iteration: 1 });
  return task;
}

const subtaskOf = (task: Task, key: string) => task.subtasks!.find((s) => s.key === key)!;
const retryPath = (task: Task, subtaskId: string) => `/networks/${task.network_id}/tasks/${task.id}/subtasks/${subtaskId}/retry`;

describe('POST …/subtasks/{subtask_id}/retry', () => {
  it('runs the failed subtask again through the queue; the coordinator plans again and the outcome is recomputed', async () => {
    const task = await taskWithFailedBanner('Launch email');
    const copy = subtaskOf(task, 'copy');
    const plansBefore = model.callsFor(SCHEMA_NAMES.coordinatorDecision).filter((c) => c.taskId === task.id).length;
    designDown = false;

    const res = await h.call('POST', retryPath(task, subtaskOf(task, 'banner').id), { json: {} });
    expect(res.status).toBe(202);
    const accepted = Task.parse(res.body);
    expect(accepted).toMatchObject({ status: 'in_progress', iterations: 1, error: null, completed_at: null });
    expect(['queued', 'in_progress', 'completed']).toContain(subtaskOf(accepted, 'banner').status);
    expect(Date.parse(accepted.deadline_at!)).toBeGreaterThan(Date.now());

    const ended = await mesh.waitForTask(task.id, 30_000);
    expect(ended).toMatchObject({ status: 'completed', iterations: 2, result: { content: 'Email with its banner' } });
    expect(subtaskOf(ended, 'banner')).toMatchObject({ status: 'completed', result: 'BANNER DRAWN', attempts: 2, error: null });
    // The subtask that had completed was not run again.
    expect(subtaskOf(ended, 'copy')).toMatchObject({ status: 'completed', result: copy.result, attempts: 1 });
    expect(model.callsFor(SCHEMA_NAMES.coordinatorDecision).filter((c) => c.taskId === task.id)).toHaveLength(plansBefore + 1);
    expect(model.callsFor(SCHEMA_NAMES.agentOutput).filter((c) => c.subtaskId === copy.id)).toHaveLength(1);

    // Completed now: a second retry is refused, as is a retry of a subtask that did not fail.
    for (const subtask of [subtaskOf(ended, 'banner'), copy]) {
      const again = await h.call('POST', retryPath(task, subtask.id));
      expect(again.status).toBe(409);
      expect(ErrorBody.parse(again.body).error.message).toMatch(/only a failed subtask can be retried/);
    }
  }, 60_000);

  it('ends as it did before when the subtask fails again: the subtask failed, with the reason', async () => {
    const task = await taskWithFailedBanner('Launch email, broken twice');
    expect((await h.call('POST', retryPath(task, subtaskOf(task, 'banner').id))).status).toBe(202);
    const ended = await mesh.waitForTask(task.id, 30_000);
    // The coordinator completes with what it has, as it did the first time.
    expect(ended).toMatchObject({ status: 'completed', result: { content: 'Email without a banner' } });
    expect(subtaskOf(ended, 'banner')).toMatchObject({ status: 'failed', attempts: 2, error: expect.stringContaining('All models failed') });
  }, 60_000);

  it('refuses (409) while the task has not ended and for a subtask of an earlier iteration; 404 for ids not the caller\'s; nothing changes', async () => {
    const pending = (await h.deps.store.tasks.create('tenant-a', networkId, { task: 'Pending', context: {}, priority: 5, process: false }))!;
    const twoRounds = await mesh.waitForTask(await mesh.submit(networkId, { task: 'Two rounds of work' }), 30_000);
    expect(twoRounds.status).toBe('completed');
    const sketch = subtaskOf(twoRounds, 'sketch');
    expect(sketch).toMatchObject({ status: 'failed', iteration: 1 });
    const earlier = await h.call('POST', retryPath(twoRounds, sketch.id));
    expect(earlier.status).toBe(409);
    expect(ErrorBody.parse(earlier.body).error.message).toMatch(/iteration 1; later iterations were planned from its failure: only a subtask of iteration 2 can be retried/);

    const subtaskElsewhere = await h.call('POST', `/networks/${networkId}/tasks/${pending.id}/subtasks/${sketch.id}/retry`);
    expect(subtaskElsewhere.status).toBe(404);
    const otherTenant = await h.call('POST', retryPath(twoRounds, sketch.id), { key: KEY_B });
    expect(otherTenant.status).toBe(404);
    const otherNetwork = await mesh.createNetwork({ name: 'Elsewhere' });
    expect((await h.call('POST', `/networks/${otherNetwork}/tasks/${twoRounds.id}/subtasks/${sketch.id}/retry`)).status).toBe(404);
    expect((await h.call('POST', retryPath(twoRounds, 'not-a-uuid'))).status).toBe(400);
    expect((await h.call('POST', retryPath(twoRounds, sketch.id), { json: { force: true } })).status).toBe(400);
    expect(await h.deps.store.tasks.get('tenant-a', twoRounds.id)).toMatchObject({ status: 'completed', iterations: twoRounds.iterations });

    // A running task: its failed subtask waits for the task to end.
    designDelayMs = 1500;
    const running = await mesh.submit(networkId, { task: 'Still running' });
    const subtask = await waitForSubtask(running, 'banner');
    const busy = await h.call('POST', `/networks/${networkId}/tasks/${running}/subtasks/${subtask}/retry`);
    expect(busy.status).toBe(409);
    expect(ErrorBody.parse(busy.body).error.message).toMatch(/is in_progress: a subtask can be retried once its task has completed or failed/);
    await mesh.waitForTask(running, 30_000);
  }, 90_000);

  it('is durable: a retry whose job was lost is dispatched again by the recovery sweeper; a live one is not dispatched twice', async () => {
    const task = await taskWithFailedBanner('Launch email, job lost');
    designDown = false;
    // The store reopened the task, and the process died before the wave reached Redis.
    const reopened = await h.deps.store.tasks.reopenForSubtaskRetry('tenant-a', networkId, task.id, subtaskOf(task, 'banner').id);
    expect('refused' in reopened).toBe(false);
    const sweeper = new RecoverySweeper(mesh.engine, { intervalMs: 60_000, quietMs: 0 });
    try {
      const report = await sweeper.sweep();
      expect(report.redispatched.wave).toBe(1);
      expect(await mesh.waitForTask(task.id, 30_000)).toMatchObject({ status: 'completed', result: { content: 'Email with its banner' } });

      // A retry through the API whose wave is live: the sweep leaves it alone.
      designDown = true;
      const second = await taskWithFailedBanner('Launch email, swept while running');
      designDown = false;
      designDelayMs = 1500;
      expect((await h.call('POST', retryPath(second, subtaskOf(second, 'banner').id))).status).toBe(202);
      const during = await sweeper.sweep();
      expect(during.redispatched).toEqual({ step: 0, wave: 0, finalize: 0, deadline: 0, webhook: 0, resume: 0, evaluate: 0 });
      const ended = await mesh.waitForTask(second.id, 30_000);
      expect(ended).toMatchObject({ status: 'completed', result: { content: 'Email with its banner' } });
      expect(subtaskOf(ended, 'banner').attempts).toBe(2);
    } finally {
      await sweeper.stop();
    }
  }, 90_000);
});

async function waitForSubtask(taskId: string, key: string): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const task = await h.deps.store.tasks.get('tenant-a', taskId);
    const subtask = task?.subtasks?.find((s) => s.key === key && s.status === 'in_progress');
    if (subtask) return subtask.id;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`subtask ${key} of ${taskId} never started`);
}

describe('POST …/rerun', () => {
  it('starts a new task with the same input; the original is unchanged', async () => {
    const original = await taskWithFailedBanner('Launch email to run again');
    designDown = false;
    const res = await h.call('POST', `/networks/${networkId}/tasks/${original.id}/rerun`, { json: {} });
    expect(res.status).toBe(201);
    const copy = Task.parse(res.body);
    expect(copy.id).not.toBe(original.id);
    expect(copy).toMatchObject({ network_id: networkId, task: original.task, context: original.context, priority: original.priority, approvals: original.approvals });
    expect(['queued', 'in_progress']).toContain(copy.status);
    const ended = await mesh.waitForTask(copy.id, 30_000);
    expect(ended).toMatchObject({ status: 'completed', result: { content: 'Email with its banner' } });
    expect(await h.deps.store.tasks.get('tenant-a', original.id)).toMatchObject({ status: 'completed', result: { content: 'Email without a banner' } });

    // ?wait holds the answer until the new task ends.
    const waited = await h.call('POST', `/networks/${networkId}/tasks/${original.id}/rerun?wait=30`);
    expect(waited.status).toBe(200);
    expect(Task.parse(waited.body)).toMatchObject({ status: 'completed', task: original.task });
  }, 60_000);

  it("answers 404 for another tenant's task or another network's, storing nothing", async () => {
    const original = (await h.deps.store.tasks.create('tenant-a', networkId, { task: 'Not to be copied', context: {}, priority: 5, process: false }))!;
    const count = async () => Number((await h.t.db.query<{ n: string }>('SELECT count(*) AS n FROM tasks')).rows[0]!.n);
    const before = await count();
    expect((await h.call('POST', `/networks/${networkId}/tasks/${original.id}/rerun`, { key: KEY_B })).status).toBe(404);
    const other = await mesh.createNetwork({ name: 'Other rerun' });
    expect((await h.call('POST', `/networks/${other}/tasks/${original.id}/rerun`)).status).toBe(404);
    expect((await h.call('POST', `/networks/${networkId}/tasks/${original.id}/rerun`, { json: { task: 'changed' } })).status).toBe(400);
    expect(await count()).toBe(before);
  });
});

describe('POST …/agents/{agent_id}/playground', () => {
  it("runs one agent on the input through the worker pool: the task's result is its answer, and no coordinator is called", async () => {
    const agents = (await h.call('GET', `/networks/${networkId}/agents`)).body.agents as { id: string; type: string }[];
    const content = agents.find((a) => a.type === 'content')!;
    const plansBefore = model.callsFor(SCHEMA_NAMES.coordinatorDecision).length;
    const res = await h.call('POST', `/networks/${networkId}/agents/${content.id}/playground`, { json: { input: 'Three subject lines for TechPro', context: { tone: 'bold' } } });
    expect(res.status).toBe(201);
    const started = Task.parse(res.body);
    expect(started).toMatchObject({ playground: true, status: 'in_progress', iterations: 1, max_iterations: 1, task: 'Three subject lines for TechPro', context: { tone: 'bold' } });
    expect(started.subtasks).toEqual([expect.objectContaining({ key: 'playground', agent_type: 'content', agent_id: content.id, description: 'Three subject lines for TechPro' })]);
    const ended = await mesh.waitForTask(started.id, 30_000);
    expect(ended).toMatchObject({ status: 'completed', result: { content: 'COPY for Three subject lines for TechPro' } });
    expect(ended.result!.explanation).toContain('playground run');
    expect(model.callsFor(SCHEMA_NAMES.coordinatorDecision)).toHaveLength(plansBefore);
    expect(model.callsFor(SCHEMA_NAMES.finalSynthesis).filter((c) => c.taskId === started.id)).toHaveLength(0);
    const call = model.callsFor(SCHEMA_NAMES.agentOutput).filter((c) => c.taskId === started.id);
    expect(call).toHaveLength(1);
    expect(readDataBlock(call[0]!.user, 'context')).toContain('"tone": "bold"');
  }, 60_000);

  it('fails with the agent’s error when it fails; refuses the coordinator (409), another tenant’s agent (404) and bad bodies (400)', async () => {
    const agents = (await h.call('GET', `/networks/${networkId}/agents`)).body.agents as { id: string; type: string }[];
    const design = agents.find((a) => a.type === 'design')!;
    const failed = await h.call('POST', `/networks/${networkId}/agents/${design.id}/playground?wait=30`, { json: { input: 'do banner' } });
    expect(failed.status).toBe(200);
    expect(Task.parse(failed.body)).toMatchObject({ status: 'failed', error: expect.stringContaining('All models failed') });

    const count = async () => Number((await h.t.db.query<{ n: string }>('SELECT count(*) AS n FROM tasks')).rows[0]!.n);
    const before = await count();
    const coordinator = agents.find((a) => a.type === 'coordinator')!;
    const refused = await h.call('POST', `/networks/${networkId}/agents/${coordinator.id}/playground`, { json: { input: 'plan' } });
    expect(refused.status).toBe(409);
    expect((await h.call('POST', `/networks/${networkId}/agents/${design.id}/playground`, { json: { input: 'x' }, key: KEY_B })).status).toBe(404);
    const other = await mesh.createNetwork({ name: 'Playground elsewhere' });
    expect((await h.call('POST', `/networks/${other}/agents/${design.id}/playground`, { json: { input: 'x' } })).status).toBe(404);
    for (const body of [{}, { input: '' }, { input: 'x', agent_type: 'seo' }, { input: 'x', priority: 0 }]) {
      expect((await h.call('POST', `/networks/${networkId}/agents/${design.id}/playground`, { json: body })).status).toBe(400);
    }
    expect(await count()).toBe(before);
  }, 60_000);
});
