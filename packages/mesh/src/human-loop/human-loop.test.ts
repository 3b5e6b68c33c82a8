import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RegisterToolBody, type Approval, type ApprovalDecision, type CoordinatorDecision, type ToolSpec } from '@mesh/core';
import { announceApprovalDecided } from '@mesh/tasks';
import { createTestEnv, ScriptedModel, startInProcessMesh, type InProcessMesh, type ScriptedCall, type TestEnv } from '@mesh/testing';
import { deriveTools, toolEnvironment } from '@mesh/tools';
import { readDataBlock } from '../data-blocks';
import { SCHEMA_NAMES } from '../model-client';
import { RecoverySweeper } from '../recovery-sweeper';

/**
 * Human in the loop through the engine: coordinator and worker pool in this process, real Redis
 * and Postgres, a scripted model. Each kind of request waits with no job held, and each decision
 * (approve, edit, reject, answer, expiry) continues the task as it should.
 */

let env: TestEnv;
let orders: { url: string; bodies: unknown[]; close(): Promise<void> };

async function startOrdersService(): Promise<typeof orders> {
  const bodies: unknown[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'));
      res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ order: `o-${bodies.length}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, bodies, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

beforeAll(async () => {
  orders = await startOrdersService();
  env = await createTestEnv('human-loop', { MESH_AGENT_DISCOVERY_MS: '200', MESH_TOOL_ALLOWED_HOSTS: '127.0.0.1' });
});
afterAll(async () => {
  await env.cleanup();
  await orders.close();
});

async function withMesh<T>(model: ScriptedModel, fn: (mesh: InProcessMesh) => Promise<T>): Promise<T> {
  const mesh = await startInProcessMesh(env, model);
  try {
    return await fn(mesh);
  } finally {
    await mesh.close();
  }
}

const iterationOf = (user: string) => Number(/Iteration (\d+) of/.exec(user)?.[1]);
const agentAnswer = (result: string) => ({ reasoning: 'r', result, confidence: 0.8, suggested_memories: [] });
const plan = (...keys: [key: string, agentType: string][]): CoordinatorDecision => ({
  task_complete: false,
  reasoning: 'the plan',
  subtasks: keys.map(([key, agent_type]) => ({ key, agent_type, description: `do ${key}`, depends_on: [] })),
  new_memories: [],
  result: null,
});
const done = (content: string): CoordinatorDecision => ({ task_complete: true, reasoning: 'done', subtasks: [], new_memories: [], result: { content, confidence: 0.9, explanation: 'e' } });
const toolResults = (call: ScriptedCall) => call.messages.flatMap((m) => (m.role === 'tool' ? [m.content] : []));

/** Waits for the task's next pending request (of `kind`, when given) and returns it. */
async function pendingApproval(taskId: string, kind?: Approval['kind'], timeoutMs = 15_000): Promise<Approval> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const found = (await env.store.approvals.listForTask('tenant-a', taskId)).find((a) => a.status === 'pending' && (!kind || a.kind === kind));
    if (found) return found;
    if (Date.now() > until) throw new Error(`no pending ${kind ?? ''} approval for task ${taskId}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function taskStatus(taskId: string): Promise<string | undefined> {
  return (await env.store.tasks.getRow('tenant-a', taskId))?.status;
}

async function waitForStatus(taskId: string, status: string, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while ((await taskStatus(taskId)) !== status) {
    if (Date.now() > until) throw new Error(`task ${taskId} is ${await taskStatus(taskId)}, not ${status}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** What the decision route does: the guarded decision, then its announcement and continuation. */
type Decision = ApprovalDecision extends infer D ? (D extends unknown ? Omit<D, 'decidedBy'> : never) : never;

async function decide(mesh: InProcessMesh, approval: Approval, decision: Decision): Promise<void> {
  const decided = await env.store.approvals.decide('tenant-a', approval.id, { ...decision, decidedBy: 'test' } as ApprovalDecision);
  await announceApprovalDecided(mesh.engine, decided, decided.task_priority);
}

async function register(networkId: string, tool: Record<string, unknown>): Promise<void> {
  const spec: ToolSpec = RegisterToolBody.parse({ tool }).tool;
  const { tools } = await deriveTools(spec, toolEnvironment(env.config.tools).derive);
  await env.store.tools.create('tenant-a', networkId, { spec, tools });
}

describe('human in the loop, through the engine', () => {
  it('plan: the task waits with no job; an approval with edits dispatches the edited plan', async () => {
    const model = new ScriptedModel((_req, call) => {
      if (call.schemaName === SCHEMA_NAMES.coordinatorDecision) return iterationOf(call.user) === 1 ? plan(['draft', 'content'], ['chart', 'analytics']) : done('final');
      return agentAnswer(`did ${readDataBlock(call.user, 'subtask')}`);
    });
    await withMesh(model, async (mesh) => {
      const networkId = await mesh.createNetwork({ approvals: { plan: true } });
      const taskId = await mesh.submit(networkId, { task: 'Launch campaign' });
      const approval = await pendingApproval(taskId, 'plan');
      await waitForStatus(taskId, 'awaiting_approval');
      expect(approval.subject).toMatchObject({ iteration: 1, reasoning: 'the plan' });
      expect((approval.subject as { subtasks: { key: string }[] }).subtasks.map((s) => s.key).sort()).toEqual(['chart', 'draft']);
      // Waiting holds nothing: no job of the task is waiting, delayed or running (the deadline job too is gone).
      const counts = await mesh.runtime.queues.coordinator.getJobCounts('waiting', 'delayed', 'active', 'prioritized', 'waiting-children');
      expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(0);
      expect(model.callsFor(SCHEMA_NAMES.agentOutput)).toHaveLength(0);

      await decide(mesh, approval, { status: 'approved', comment: 'only the copy', edits: { subtasks: [{ key: 'copy', agent_type: 'content', description: 'write the copy', depends_on: [] }] } });
      const task = await mesh.waitForTask(taskId);
      expect(task.status).toBe('completed');
      expect(task.subtasks!.map((s) => [s.key, s.status])).toEqual([['copy', 'completed']]);
      expect(model.callsFor(SCHEMA_NAMES.agentOutput).map((c) => readDataBlock(c.user, 'subtask'))).toEqual(['write the copy']);
      expect(task.awaiting_since).toBeNull();
      expect(task.waited_ms).toBeGreaterThan(0);
      // Two iterations (the second completes), each plan asked about.
      expect((await env.store.approvals.listForTask('tenant-a', taskId)).map((a) => [a.kind, a.status])).toEqual([['plan', 'approved']]);
    });
  });

  it('plan: a rejection makes the coordinator plan again with the comment; at the last iteration the task fails', async () => {
    const model = new ScriptedModel((_req, call) => {
      if (call.schemaName === SCHEMA_NAMES.coordinatorDecision) return plan(['draft', 'content']);
      return agentAnswer('drafted');
    });
    await withMesh(model, async (mesh) => {
      const networkId = await mesh.createNetwork({ approvals: { plan: true }, max_iterations: 2 });
      const taskId = await mesh.submit(networkId, { task: 'Launch campaign' });
      await decide(mesh, await pendingApproval(taskId, 'plan'), { status: 'rejected', comment: 'add a design subtask' });
      const second = await pendingApproval(taskId, 'plan');
      expect(second.subject).toMatchObject({ iteration: 2 });
      const replan = model.callsFor(SCHEMA_NAMES.coordinatorDecision)[1]!;
      expect(readDataBlock(replan.user, 'feedback_from_people')).toContain('add a design subtask');
      await decide(mesh, second, { status: 'rejected', comment: 'still no design' });
      const task = await mesh.waitForTask(taskId);
      expect(task).toMatchObject({ status: 'failed', error: 'plan rejected: still no design', iterations: 2 });
      expect(task.subtasks!.every((s) => s.status === 'skipped')).toBe(true);
      expect(model.callsFor(SCHEMA_NAMES.agentOutput)).toHaveLength(0);
      expect(task.human_feedback).toEqual([
        { kind: 'plan', iteration: 1, status: 'rejected', comment: 'add a design subtask' },
        { kind: 'plan', iteration: 2, status: 'rejected', comment: 'still no design' },
      ]);
    });
  });

  it('result: a rejection runs another iteration with the feedback; an approval with edits completes with the edited content', async () => {
    const model = new ScriptedModel((_req, call) => {
      if (call.schemaName === SCHEMA_NAMES.coordinatorDecision) return done(`draft ${iterationOf(call.user)}`);
      return agentAnswer('unused');
    });
    await withMesh(model, async (mesh) => {
      const networkId = await mesh.createNetwork({ approvals: { result: true } });
      const taskId = await mesh.submit(networkId, { task: 'Write the headline', callback_url: undefined });
      const first = await pendingApproval(taskId, 'result');
      expect(first.subject).toMatchObject({ iteration: 1, result: { content: 'draft 1' } });
      await waitForStatus(taskId, 'awaiting_approval');
      await decide(mesh, first, { status: 'rejected', comment: 'shorter please' });
      const second = await pendingApproval(taskId, 'result');
      expect(second.subject).toMatchObject({ iteration: 2, result: { content: 'draft 2' } });
      expect(readDataBlock(model.callsFor(SCHEMA_NAMES.coordinatorDecision)[1]!.user, 'feedback_from_people')).toContain('shorter please');
      await decide(mesh, second, { status: 'approved', comment: null, edits: { content: 'Launch day.' } });
      const task = await mesh.waitForTask(taskId);
      expect(task).toMatchObject({ status: 'completed', iterations: 2, result: { content: 'Launch day.', confidence: 0.9 } });
    });
  });

  it('tool call: an approval with edited arguments runs the call once with them; a rejection tells the model, and the loop goes on', async () => {
    const model = new ScriptedModel((_req, call) => {
      if (call.schemaName === SCHEMA_NAMES.coordinatorDecision) return iterationOf(call.user) === 1 ? plan(['buy', 'analytics']) : done('final');
      const results = toolResults(call);
      if (results.length === 0) return ScriptedModel.callTools({ name: 'order', arguments: { sku: 'A1', quantity: 500 } });
      if (results.length === 1) return ScriptedModel.callTools({ name: 'order', arguments: { sku: 'B2', quantity: 1 } });
      return agentAnswer(results.join(' | '));
    });
    await withMesh(model, async (mesh) => {
      const networkId = await mesh.createNetwork({
        approvals: { tool_calls: 'side_effects' },
        agents: [{ name: 'Coordinator', type: 'coordinator' }, { name: 'Analytics Specialist', type: 'analytics', tools: ['order'] }],
      });
      await register(networkId, {
        kind: 'http',
        name: 'order',
        description: 'Places an order',
        input_schema: { type: 'object', properties: { sku: { type: 'string' }, quantity: { type: 'integer', maximum: 1000 } }, required: ['sku', 'quantity'] },
        request: { method: 'POST', url: `${orders.url}/orders` },
      });
      const before = orders.bodies.length;
      const taskId = await mesh.submit(networkId, { task: 'Order the stock' });
      const first = await pendingApproval(taskId, 'tool_call');
      await waitForStatus(taskId, 'awaiting_approval');
      expect(first.subject).toMatchObject({ tool: 'order', arguments: { sku: 'A1', quantity: 500 }, side_effects: true, subtask_key: 'buy', agent_type: 'analytics' });
      expect(first.subtask_id).not.toBeNull();
      expect(orders.bodies.length).toBe(before); // nothing ran yet
      expect((await env.store.subtasks.forTask(taskId)).map((s) => s.status)).toEqual(['awaiting_approval']);

      await decide(mesh, first, { status: 'approved', comment: null, edits: { arguments: { sku: 'A1', quantity: 50 } } });
      const second = await pendingApproval(taskId, 'tool_call');
      // A second request in the same subtask waits too.
      expect(second.subject).toMatchObject({ arguments: { sku: 'B2', quantity: 1 } });
      await waitForStatus(taskId, 'awaiting_approval');
      await decide(mesh, second, { status: 'rejected', comment: 'not this one' });

      const task = await mesh.waitForTask(taskId);
      expect(task.status).toBe('completed');
      expect(orders.bodies.slice(before)).toEqual([{ sku: 'A1', quantity: 50 }]);
      const subtask = task.subtasks![0]!;
      expect(subtask.result).toContain('o-');
      expect(subtask.result).toContain('Rejected by a person: not this one');
      expect(subtask.tool_calls.map((c) => [c.status, c.arguments])).toEqual([
        ['completed', { sku: 'A1', quantity: 50 }],
        ['rejected', { sku: 'B2', quantity: 1 }],
      ]);
    });
  });

  it('ask_human: the agent asks, the answer comes back as the tool result; tools are offered only when questions are allowed', async () => {
    const model = new ScriptedModel((_req, call) => {
      if (call.schemaName === SCHEMA_NAMES.coordinatorDecision) return iterationOf(call.user) === 1 ? plan(['copy', 'content']) : done('final');
      const results = toolResults(call);
      if (results.length === 0 && call.tools.includes('ask_human')) return ScriptedModel.callTools({ name: 'ask_human', arguments: { question: 'Which colour is the brand?' } });
      return agentAnswer(`answer was: ${results.join('')}`);
    });
    await withMesh(model, async (mesh) => {
      const networkId = await mesh.createNetwork({ approvals: { questions: true } });
      const taskId = await mesh.submit(networkId, { task: 'Write the copy' });
      const question = await pendingApproval(taskId, 'question');
      expect(question.subject).toMatchObject({ question: 'Which colour is the brand?', subtask_key: 'copy' });
      await expect(env.store.approvals.decide('tenant-a', question.id, { status: 'answered', answer: 'Ultraviolet', decidedBy: 'test' })).resolves.toMatchObject({ status: 'answered' });
      await announceApprovalDecided(mesh.engine, (await env.store.approvals.get('tenant-a', question.id))!, 5);
      const task = await mesh.waitForTask(taskId);
      expect(task.status).toBe('completed');
      expect(task.subtasks![0]!.result).toContain('Ultraviolet');

      // Without questions allowed, no agent is offered ask_human.
      const other = await mesh.createNetwork();
      await mesh.waitForTask(await mesh.submit(other, { task: 'Write the copy' }));
      expect(model.callsFor(SCHEMA_NAMES.agentOutput).slice(-1)[0]!.tools).not.toContain('ask_human');
    });
  });

  it('expiry counts as a rejection, and a decision after it is a conflict', async () => {
    const model = new ScriptedModel((_req, call) => (call.schemaName === SCHEMA_NAMES.coordinatorDecision ? done('the draft') : agentAnswer('x')));
    await withMesh(model, async (mesh) => {
      const networkId = await mesh.createNetwork({ approvals: { result: true }, approval_timeout_seconds: 1, max_iterations: 1 });
      const taskId = await mesh.submit(networkId, { task: 'Headline' });
      const approval = await pendingApproval(taskId, 'result');
      await new Promise((r) => setTimeout(r, 1_200));
      await expect(env.store.approvals.decide('tenant-a', approval.id, { status: 'approved', comment: null, edits: null, decidedBy: 'test' })).rejects.toMatchObject({ status: 409 });
      const sweeper = new RecoverySweeper(mesh.engine, { intervalMs: 60_000, quietMs: 0 });
      expect((await sweeper.sweep()).expiredApprovals).toBe(1);
      await sweeper.stop();
      expect((await env.store.approvals.get('tenant-a', approval.id))?.status).toBe('expired');
      // Expired at the last iteration: the task fails as a rejection would (not timed_out).
      const task = await mesh.waitForTask(taskId);
      expect(task.status).toBe('failed');
      expect(task.error).toMatch(/^result not approved in time: no decision within 1 s/);
      await expect(env.store.approvals.decide('tenant-a', approval.id, { status: 'approved', comment: null, edits: null, decidedBy: 'test' })).rejects.toMatchObject({
        status: 409,
        message: 'The approval was already decided (expired)',
      });
    });
  });

  it('waiting for a person does not count against timeout_seconds', async () => {
    const model = new ScriptedModel((_req, call) => (call.schemaName === SCHEMA_NAMES.coordinatorDecision ? done('the draft') : agentAnswer('x')));
    await withMesh(model, async (mesh) => {
      const networkId = await mesh.createNetwork({ approvals: { result: true }, timeout_seconds: 1 });
      const taskId = await mesh.submit(networkId, { task: 'Headline' });
      const approval = await pendingApproval(taskId, 'result');
      const waiting = (await env.store.tasks.getRow('tenant-a', taskId))!;
      // Twice the task's timeout spent waiting; a sweep meanwhile finds nothing past its deadline.
      await new Promise((r) => setTimeout(r, 2_000));
      const sweeper = new RecoverySweeper(mesh.engine, { intervalMs: 60_000, quietMs: 0 });
      expect((await sweeper.sweep()).timedOut).toBe(0);
      await sweeper.stop();
      expect(await taskStatus(taskId)).toBe('awaiting_approval');
      await decide(mesh, approval, { status: 'approved', comment: null, edits: null });
      const task = await mesh.waitForTask(taskId);
      expect(task.status).toBe('completed');
      expect(task.waited_ms).toBeGreaterThanOrEqual(2_000);
      expect(waiting.deadline_at).not.toBeNull();
    });
  });
});
