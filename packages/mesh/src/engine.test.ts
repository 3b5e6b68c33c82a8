import { ProviderError, type CoordinatorDecision } from '@mesh/core';
import { createTestEnv, dumpRedis, ScriptedModel, startInProcessMesh, waitOrAbort, type InProcessMesh, type TestEnv } from '@mesh/testing';
import { readDataBlock } from './data-blocks';
import { SCHEMA_NAMES, type ModelClient } from './model-client';
import { meshSimulatedResponders, type SimulatedRequest } from './simulated-responders';
import { stopTask } from '@mesh/tasks';
import { runSubtask } from './subtask-runner';

const SEED_TASK = {
  task: 'Create an email campaign for a new product launch targeting tech professionals',
  context: {
    product_name: 'TechPro X1',
    product_description: 'Advanced AI-powered development tool',
    target_audience: 'Software developers and IT professionals',
    key_features: ['AI code completion', 'Automated testing', 'Performance optimization'],
  },
  priority: 1,
};

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv('engine', { MESH_AGENT_DISCOVERY_MS: '200', MESH_SUBTASK_ATTEMPTS: '2' });
});
afterAll(async () => {
  await env.cleanup();
});

/** Runs one scenario with its own in-process mesh, closed afterwards. */
async function withMesh<T>(model: ScriptedModel, fn: (mesh: InProcessMesh) => Promise<T>): Promise<T> {
  const mesh = await startInProcessMesh(env, model);
  try {
    return await fn(mesh);
  } finally {
    await mesh.close();
  }
}

const simulated = (req: Pick<SimulatedRequest, 'system' | 'messages'> & { schema?: { name: string } }) =>
  meshSimulatedResponders[req.schema?.name ?? '']!({ system: req.system, messages: req.messages, schemaName: req.schema?.name ?? '', seed: 7 });

function agentAnswer(result: string, memories: { type: 'fact' | 'decision'; content: string }[] = []) {
  return { reasoning: 'r', result, confidence: 0.8, suggested_memories: memories.map((m) => ({ ...m, confidence: 0.9 })) };
}

function plan(subtasks: { key: string; agent_type: string; depends_on?: string[] }[]): CoordinatorDecision {
  return {
    task_complete: false,
    reasoning: 'plan',
    subtasks: subtasks.map((s) => ({ key: s.key, agent_type: s.agent_type, description: `do ${s.key}`, depends_on: s.depends_on ?? [] })),
    new_memories: [],
    result: null,
  };
}

const done = (content: string): CoordinatorDecision => ({
  task_complete: true,
  reasoning: 'done',
  subtasks: [],
  new_memories: [],
  result: { content, confidence: 0.9, explanation: 'e' },
});

const iterationOf = (user: string) => Number(/Iteration (\d+) of/.exec(user)?.[1]);

/** Resolves when `promise` does or after `ms`, whichever is first, leaving no timer behind. */
async function untilOrAfter(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

describe('the engine, in process, with a scripted model', () => {
  it('runs the SEED.md example: plan, four parallel specialists, synthesis', async () => {
    const model = new ScriptedModel((req) => simulated(req));
    await withMesh(model, async (mesh) => {
      const networkId = await mesh.createNetwork({ name: 'Email Campaign Assistant', max_iterations: 10, timeout_seconds: 300 });
      const task = await mesh.waitForTask(await mesh.submit(networkId, SEED_TASK));
      expect(task.status).toBe('completed');
      expect(task.iterations).toBe(2);
      expect(task.subtasks?.map((s) => s.agent_type).sort()).toEqual(['analytics', 'content', 'design', 'personalization']);
      expect(task.subtasks?.every((s) => s.status === 'completed' && s.result && s.model === 'scripted:scripted-1')).toBe(true);
      expect(task.result?.content).toContain('TechPro X1'.length > 0 ? 'Final result' : '');
      expect(task.result?.content).toContain('content');
      // Each specialist saw the task context; suggested memories were saved.
      expect(model.callsFor(SCHEMA_NAMES.agentOutput).every((c) => c.user.includes('TechPro X1'))).toBe(true);
      const memory = await env.store.memory.list('tenant-a', networkId, { limit: 50 });
      expect(memory.memory.some((m) => m.source.kind === 'agent')).toBe(true);
      expect(memory.memory.some((m) => m.source.kind === 'coordinator')).toBe(true);
    });
  });

  it("commits every call's usage before the task reads completed, however late the rows are stored", async () => {
    const script = new ScriptedModel((req) => simulated(req));
    let made = 0;
    let stored = 0;
    // Each call's usage rows take 300 ms to commit: a poll meanwhile must not see the task completed without them.
    const model: ModelClient = {
      async complete(request) {
        const response = await script.complete(request);
        made += 1;
        const row = { tenantId: 'tenant-a', networkId: request.context?.networkId ?? null, taskId: request.context?.taskId ?? null, subtaskId: request.context?.subtaskId ?? null, purpose: request.purpose ?? null, provider: 'scripted', model: 'scripted-1', chainPosition: 0, attempt: 1, latencyMs: 1, inputTokens: 5, outputTokens: 7, costUsd: 0, outcome: 'success' };
        const recorded = new Promise<void>((resolve) => setTimeout(resolve, 300))
          .then(() => env.store.llmCalls.record([row]))
          .then(() => void (stored += 1));
        return { ...response, recorded };
      },
    };
    const mesh = await startInProcessMesh(env, model);
    try {
      const networkId = await mesh.createNetwork({ name: 'Late usage' });
      const taskId = await mesh.submit(networkId, { task: 'Write a tagline' });
      for (;;) {
        const task = (await env.store.tasks.get('tenant-a', taskId))!;
        if (task.status === 'completed') {
          expect(stored).toBe(made);
          expect(task.usage.output_tokens).toBe(7 * made);
          break;
        }
        expect(['failed', 'timed_out', 'cancelled']).not.toContain(task.status);
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      await mesh.close();
    }
  });

  it('runs a dependency chain in order and passes results and memory along', async () => {
    const model = new ScriptedModel((req, call) => {
      if (call.schemaName === SCHEMA_NAMES.coordinatorDecision) {
        return iterationOf(call.user) === 1
          ? plan([
              { key: 'copy', agent_type: 'content' },
              { key: 'layout', agent_type: 'design', depends_on: ['copy'] },
              { key: 'metrics', agent_type: 'analytics', depends_on: ['layout'] },
            ])
          : done('all done');
      }
      const subtask = readDataBlock(call.user, 'subtask');
      if (subtask === 'do copy') return agentAnswer('COPY-RESULT', [{ type: 'fact', content: 'The brand colour is ultraviolet forty-two' }]);
      if (subtask === 'do layout') return agentAnswer('LAYOUT-RESULT');
      return agentAnswer('METRICS-RESULT');
    });
    await withMesh(model, async (mesh) => {
      const networkId = await mesh.createNetwork();
      const task = await mesh.waitForTask(await mesh.submit(networkId, { task: 'Plan the brand colour campaign' }));
      expect(task.status).toBe('completed');
      const byKey = new Map(task.subtasks!.map((s) => [s.key, s]));
      const at = (key: string, field: 'started_at' | 'finished_at') => new Date(byKey.get(key)![field]!).getTime();
      expect(at('layout', 'started_at')).toBeGreaterThanOrEqual(at('copy', 'finished_at'));
      expect(at('metrics', 'started_at')).toBeGreaterThanOrEqual(at('layout', 'finished_at'));
      const layoutCall = model.calls.find((c) => readDataBlock(c.user, 'subtask') === 'do layout')!;
      expect(readDataBlock(layoutCall.user, 'dependencies')).toContain('COPY-RESULT');
      expect(readDataBlock(layoutCall.user, 'memory')).toContain('ultraviolet forty-two');

      // The next task of the same network retrieves it too.
      const next = await mesh.waitForTask(await mesh.submit(networkId, { task: 'Which brand colour do we use?' }));
      expect(next.status).toBe('completed');
      const nextPlan = model.calls.filter((c) => c.taskId === next.id && c.schemaName === SCHEMA_NAMES.coordinatorDecision)[0]!;
      expect(readDataBlock(nextPlan.user, 'memory')).toContain('ultraviolet forty-two');
    });
  });

  it('respects max_iterations and synthesises at the end', async () => {
    const model = new ScriptedModel((req, call) => {
      if (call.schemaName === SCHEMA_NAMES.coordinatorDecision) return plan([{ key: `k${iterationOf(call.user)}`, agent_type: 'content' }]);
      if (call.schemaName === SCHEMA_NAMES.finalSynthesis) return { reasoning: 'r', result: { content: 'SYNTHESIS', confidence: 0.7, explanation: 'e' } };
      return agentAnswer('part');
    });
    await withMesh(model, async (mesh) => {
      const networkId = await mesh.createNetwork({ max_iterations: 3 });
      const task = await mesh.waitForTask(await mesh.submit(networkId, { task: 'Never quite done' }));
      expect(task.status).toBe('completed');
      expect(task.iterations).toBe(3);
      expect(task.result?.content).toBe('SYNTHESIS');
      expect(model.callsFor(SCHEMA_NAMES.coordinatorDecision)).toHaveLength(3);
      expect(model.callsFor(SCHEMA_NAMES.finalSynthesis)).toHaveLength(1);
      expect(task.subtasks).toHaveLength(3);
    });
  });

  it('asks once for a repair of an invalid plan, then falls back to one subtask per specialist', async () => {
    const model = new ScriptedModel((req, call) => {
      if (call.schemaName === SCHEMA_NAMES.coordinatorDecision) {
        if (call.purpose === 'plan' && iterationOf(call.user) === 1) return plan([{ key: 'a', agent_type: 'coordinator' }, { key: 'b', agent_type: 'nonexistent' }]);
        if (call.purpose === 'plan_repair') return plan([{ key: 'a', agent_type: 'content', depends_on: ['a'] }]);
        return done('ok');
      }
      return agentAnswer('x');
    });
    await withMesh(model, async (mesh) => {
      const networkId = await mesh.createNetwork();
      const task = await mesh.waitForTask(await mesh.submit(networkId, { task: 'Bad plans' }));
      expect(task.status).toBe('completed');
      const repair = model.calls.find((c) => c.purpose === 'plan_repair')!;
      expect(repair.user).toContain('assigned to the coordinator');
      expect(repair.user).toContain('"nonexistent"');
      expect(task.subtasks!.map((s) => s.key).sort()).toEqual(['analytics', 'content', 'design', 'personalization']);
    });
  });

  it('fails a task with a clear error when no subtask produces a result, without sinking on one failure', async () => {
    const down = () => new ProviderError('All models failed: scripted:down (server 500 ×3)', { provider: 'scripted', model: 'down', retryable: false, errorClass: 'server' });
    const model = new ScriptedModel((req, call) => {
      if (call.schemaName === SCHEMA_NAMES.coordinatorDecision) {
        return call.user.includes('### iteration') ? done(call.user.includes('SURVIVOR') ? 'used the survivor' : 'nothing') : plan([{ key: 'a', agent_type: 'content' }, { key: 'b', agent_type: 'design' }]);
      }
      if (call.schemaName === SCHEMA_NAMES.finalSynthesis) return { reasoning: 'r', result: { content: 'from the survivor', confidence: 0.5, explanation: 'e' } };
      if (readDataBlock(call.user, 'task') === 'partial' && readDataBlock(call.user, 'subtask') === 'do b') return agentAnswer('SURVIVOR');
      return down();
    });
    await withMesh(model, async (mesh) => {
      const networkId = await mesh.createNetwork({ max_iterations: 1 });
      const partial = await mesh.waitForTask(await mesh.submit(networkId, { task: 'partial' }));
      expect(partial.status).toBe('completed');
      expect(partial.subtasks!.find((s) => s.key === 'a')).toMatchObject({ status: 'failed', error: expect.stringContaining('All models failed') });
      expect(partial.subtasks!.find((s) => s.key === 'b')?.status).toBe('completed');

      const none = await mesh.waitForTask(await mesh.submit(networkId, { task: 'nothing works' }));
      expect(none.status).toBe('failed');
      expect(none.error).toMatch(/No subtask produced a result.*All models failed/);
      expect(none.result).toBeNull();
    });
  });

  it('fails the task with the reason when the coordinator model is down', async () => {
    const model = new ScriptedModel(() => new ProviderError('All models failed: anthropic:x (auth 401)', { provider: 'anthropic', model: 'x', retryable: false, errorClass: 'auth' }));
    await withMesh(model, async (mesh) => {
      const task = await mesh.waitForTask(await mesh.submit(await mesh.createNetwork(), { task: 'doomed' }));
      expect(task.status).toBe('failed');
      expect(task.error).toBe('The coordinator could not plan iteration 1: All models failed: anthropic:x (auth 401)');
    });
  });

  it('enforces timeout_seconds: the task ends timed_out and the in-flight call is aborted', async () => {
    const model = new ScriptedModel(async (req, call) => {
      if (call.schemaName === SCHEMA_NAMES.coordinatorDecision) return plan([{ key: 'slow', agent_type: 'content' }]);
      await waitOrAbort(60_000, req.signal);
      return agentAnswer('too late');
    });
    await withMesh(model, async (mesh) => {
      // Long enough for the plan to be made and the subtask to start on a busy machine: the
      // deadline must cut a running subtask short, not a task still planning.
      const networkId = await mesh.createNetwork({ timeout_seconds: 4 });
      const task = await mesh.waitForTask(await mesh.submit(networkId, { task: 'slow' }), 20_000);
      expect(task.status).toBe('timed_out');
      expect(task.error).toMatch(/deadline/);
      // Cut short by the deadline while it ran: it says so (not "skipped").
      expect(task.subtasks![0]).toMatchObject({ status: 'timed_out', error: 'task timed out while it ran' });
      await new Promise((r) => setTimeout(r, 200));
      expect(model.callsFor(SCHEMA_NAMES.agentOutput)[0]!.aborted).toBe(true);
    });
  });

  it('cancel stops a running task and aborts its model call', async () => {
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    const model = new ScriptedModel(async (req, call) => {
      if (call.schemaName === SCHEMA_NAMES.coordinatorDecision) return plan([{ key: 'slow', agent_type: 'content' }]);
      started();
      await waitOrAbort(60_000, req.signal);
      return agentAnswer('never');
    });
    await withMesh(model, async (mesh) => {
      const taskId = await mesh.submit(await mesh.createNetwork(), { task: 'cancel me' });
      await running;
      expect(await stopTask(mesh.engine, 'tenant-a', taskId, 'cancelled', 'cancelled by client')).toBe(true);
      const task = await mesh.waitForTask(taskId);
      expect(task.status).toBe('cancelled');
      await new Promise((r) => setTimeout(r, 300));
      expect(model.callsFor(SCHEMA_NAMES.agentOutput)[0]!.aborted).toBe(true);
      expect(await stopTask(mesh.engine, 'tenant-a', taskId, 'cancelled', 'again')).toBe(false);
    });
  });

  it('is idempotent: a subtask job delivered again writes nothing twice, and another tenant cannot run it', async () => {
    const model = new ScriptedModel((req, call) => {
      if (call.schemaName === SCHEMA_NAMES.coordinatorDecision) return call.user.includes('### iteration') ? done('d') : plan([{ key: 'once', agent_type: 'content' }]);
      return agentAnswer('ONCE', [{ type: 'fact', content: 'stored exactly once' }]);
    });
    await withMesh(model, async (mesh) => {
      const networkId = await mesh.createNetwork();
      // 'once' is a stop word: memory retrieval must cope with text that has no lexemes.
      const task = await mesh.waitForTask(await mesh.submit(networkId, { task: 'once' }));
      expect(task.status).toBe('completed');
      const subtask = task.subtasks![0]!;
      const job = { tenantId: 'tenant-a', taskId: task.id, subtaskId: subtask.id };
      const agentCalls = model.callsFor(SCHEMA_NAMES.agentOutput).length;
      expect(await runSubtask(mesh.engine, job, { attemptsMade: 0, attempts: 1 })).toBe('skipped');
      expect(await runSubtask(mesh.engine, { ...job, tenantId: 'tenant-b' }, { attemptsMade: 0, attempts: 1 })).toBe('skipped');
      expect(model.callsFor(SCHEMA_NAMES.agentOutput)).toHaveLength(agentCalls);
      const after = await env.store.tasks.get('tenant-a', task.id);
      expect(after!.subtasks![0]!.attempts).toBe(1);
      const memory = await env.store.memory.list('tenant-a', networkId, { query: 'stored exactly once', limit: 10 });
      expect(memory.memory.filter((m) => m.content === 'stored exactly once')).toHaveLength(1);
    });
  });

  it('gives a custom agent type added at run time its own worker without a restart', async () => {
    const model = new ScriptedModel((req, call) => {
      if (call.schemaName === SCHEMA_NAMES.coordinatorDecision) return call.user.includes('### iteration') ? done('seo done') : plan([{ key: 'kw', agent_type: 'seo' }]);
      return agentAnswer('KEYWORDS');
    });
    await withMesh(model, async (mesh) => {
      const networkId = await mesh.createNetwork();
      await env.store.agents.add('tenant-a', networkId, { name: 'SEO Specialist', type: 'seo', model: null, description: 'SEO', parameters: { temperature: 0.4, max_tokens: 4000 }, capabilities: ['keyword_analysis'], tools: [] });
      await new Promise((r) => setTimeout(r, 600));
      const task = await mesh.waitForTask(await mesh.submit(networkId, { task: 'Find keywords' }));
      expect(task.status).toBe('completed');
      expect(task.subtasks![0]).toMatchObject({ agent_type: 'seo', status: 'completed', result: 'KEYWORDS' });
    });
  });

  it('falls back to one subtask per specialist when the repaired plan still has a cycle', async () => {
    const model = new ScriptedModel((req, call) => {
      if (call.schemaName === SCHEMA_NAMES.coordinatorDecision) {
        if (call.purpose === 'plan' && iterationOf(call.user) === 1) return plan([{ key: 'a', agent_type: 'content', depends_on: ['b'] }, { key: 'b', agent_type: 'design', depends_on: ['a'] }]);
        if (call.purpose === 'plan_repair') return plan([{ key: 'c', agent_type: 'content', depends_on: ['d'] }, { key: 'd', agent_type: 'analytics', depends_on: ['c'] }]);
        return done('ok');
      }
      return agentAnswer('x');
    });
    await withMesh(model, async (mesh) => {
      const task = await mesh.waitForTask(await mesh.submit(await mesh.createNetwork(), { task: 'Circular plans' }));
      expect(task.status).toBe('completed');
      const repairs = model.calls.filter((c) => c.purpose === 'plan_repair');
      expect(repairs).toHaveLength(1);
      expect(repairs[0]!.user).toContain('the dependencies form a cycle');
      expect(task.subtasks!.map((s) => s.key).sort()).toEqual(['analytics', 'content', 'design', 'personalization']);
      expect(task.subtasks!.every((s) => s.iteration === 1 && s.depends_on.length === 0 && s.status === 'completed')).toBe(true);
    });
  });

  it('runs independent subtasks in parallel: all four specialists start before any of them finishes', async () => {
    // Each specialist call holds until all four are in flight. Run one after another, the first
    // would give up waiting after BARRIER_MS and finish before the next started.
    const SPECIALISTS = 4;
    const BARRIER_MS = 5_000;
    let inFlight = 0;
    let maxInFlight = 0;
    let allInFlight!: () => void;
    const barrier = new Promise<void>((resolve) => (allInFlight = resolve));
    const model = new ScriptedModel(async (req, call) => {
      if (call.schemaName !== SCHEMA_NAMES.agentOutput) return simulated(req);
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      if (inFlight === SPECIALISTS) allInFlight();
      try {
        await untilOrAfter(barrier, BARRIER_MS);
        await waitOrAbort(150, req.signal);
        return simulated(req);
      } finally {
        inFlight -= 1;
      }
    });
    await withMesh(model, async (mesh) => {
      const networkId = await mesh.createNetwork({ name: 'Email Campaign Assistant' });
      const task = await mesh.waitForTask(await mesh.submit(networkId, SEED_TASK));
      expect(task.status).toBe('completed');
      const specialists = task.subtasks!.filter((s) => s.iteration === 1);
      expect(specialists.map((s) => s.agent_type).sort()).toEqual(['analytics', 'content', 'design', 'personalization']);
      expect(specialists.every((s) => s.depends_on.length === 0 && s.started_at && s.finished_at)).toBe(true);
      const lastStart = Math.max(...specialists.map((s) => Date.parse(s.started_at!)));
      const firstFinish = Math.min(...specialists.map((s) => Date.parse(s.finished_at!)));
      expect(lastStart).toBeLessThan(firstFinish);
      expect(maxInFlight).toBe(SPECIALISTS);
    });
  });

  it("calls the model with each agent's model, temperature and max_tokens, and its description and capabilities in the system prompt", async () => {
    const model = new ScriptedModel((req, call) => {
      if (call.schemaName === SCHEMA_NAMES.coordinatorDecision) {
        return iterationOf(call.user) === 1 ? plan([{ key: 'copy', agent_type: 'content' }, { key: 'layout', agent_type: 'design' }]) : done('tuned');
      }
      return agentAnswer('tuned answer');
    });
    await withMesh(model, async (mesh) => {
      const networkId = await mesh.createNetwork({
        agents: [
          { name: 'Chief Planner', type: 'coordinator', model: 'anthropic:planner-model', description: 'Plans in small steps', parameters: { temperature: 0.15, max_tokens: 2222 }, capabilities: ['task_planning'], tools: [] },
          {
            name: 'Zebra Copywriter',
            type: 'content',
            model: 'openai:copy-model-7',
            description: 'Writes striped launch copy with a dry sense of humour',
            parameters: { temperature: 0.23, max_tokens: 1234 },
            capabilities: ['subject_line_alchemy', 'tone_of_voice'],
            tools: [],
          },
          { name: 'Grid Designer', type: 'design', model: 'google:layout-model-3', description: 'Lays out emails on a strict grid', parameters: { temperature: 1.1, max_tokens: 777 }, capabilities: ['grid_systems'], tools: [] },
        ],
      });
      const task = await mesh.waitForTask(await mesh.submit(networkId, { task: 'Tune the launch email' }));
      expect(task.status).toBe('completed');
      const callFor = (subtask: string) => model.calls.find((c) => c.schemaName === SCHEMA_NAMES.agentOutput && readDataBlock(c.user, 'subtask') === subtask)!;

      const copy = callFor('do copy');
      expect({ model: copy.model, temperature: copy.temperature, maxTokens: copy.maxTokens }).toEqual({ model: 'openai:copy-model-7', temperature: 0.23, maxTokens: 1234 });
      expect(copy.system).toContain('Zebra Copywriter');
      expect(copy.system).toContain('Writes striped launch copy with a dry sense of humour');
      expect(copy.system).toContain('subject_line_alchemy');
      expect(copy.system).toContain('tone_of_voice');
      expect(copy.system).not.toContain('grid_systems');

      const layout = callFor('do layout');
      expect({ model: layout.model, temperature: layout.temperature, maxTokens: layout.maxTokens }).toEqual({ model: 'google:layout-model-3', temperature: 1.1, maxTokens: 777 });
      expect(layout.system).toContain('Lays out emails on a strict grid');
      expect(layout.system).toContain('grid_systems');

      const coordinatorCalls = model.callsFor(SCHEMA_NAMES.coordinatorDecision);
      expect(coordinatorCalls.length).toBeGreaterThanOrEqual(2);
      for (const c of coordinatorCalls) {
        expect({ model: c.model, temperature: c.temperature, maxTokens: c.maxTokens }).toEqual({ model: 'anthropic:planner-model', temperature: 0.15, maxTokens: 2222 });
        expect(c.system).toContain('Plans in small steps');
      }
    });
  });

  it('keeps job payloads to ids: no task, context, plan, result or memory text ever reaches Redis', async () => {
    const PRODUCT = 'TechPro X1 zebra-quartz';
    /** Searched for without the product name too: a shortened copy is still a leak. */
    const NEEDLES = [PRODUCT, 'zebra-quartz'];
    let copyRunning!: () => void;
    const copyStarted = new Promise<void>((resolve) => (copyRunning = resolve));
    let finishCopy!: () => void;
    const copyMayFinish = new Promise<void>((resolve) => (finishCopy = resolve));
    const model = new ScriptedModel(async (req, call) => {
      if (call.schemaName === SCHEMA_NAMES.coordinatorDecision) {
        if (iterationOf(call.user) > 1) return done(`The ${PRODUCT} campaign is ready`);
        return {
          task_complete: false,
          reasoning: `Plan for the ${PRODUCT}`,
          subtasks: [
            { key: 'copy', agent_type: 'content', description: `Write the ${PRODUCT} launch copy`, depends_on: [] },
            { key: 'layout', agent_type: 'design', description: `Lay out the ${PRODUCT} email`, depends_on: ['copy'] },
          ],
          new_memories: [{ type: 'decision', content: `The ${PRODUCT} launches in March`, confidence: 0.9 }],
          result: null,
        } satisfies CoordinatorDecision;
      }
      if (readDataBlock(call.user, 'subtask')!.startsWith('Write')) {
        copyRunning();
        await untilOrAfter(copyMayFinish, 15_000);
        return agentAnswer(`Meet the ${PRODUCT}`, [{ type: 'fact', content: `The ${PRODUCT} tagline is "code faster"` }]);
      }
      return agentAnswer(`A grid for the ${PRODUCT}`);
    });
    const searchRedis = async () => {
      const entries = await dumpRedis(env.redis, `*${env.queuePrefix}*`);
      const everything = entries.map((e) => `${e.key}\n${e.text}`).join('\n').toLowerCase();
      return { entries, everything, leaks: NEEDLES.filter((n) => everything.includes(n.toLowerCase())) };
    };
    await withMesh(model, async (mesh) => {
      const networkId = await mesh.createNetwork({ name: `${PRODUCT} network`, description: `Launches the ${PRODUCT}`, shared_context: { brand: PRODUCT } });
      const taskId = await mesh.submit(networkId, {
        task: `Create an email campaign for the ${PRODUCT}`,
        context: { product_name: PRODUCT, key_features: [`${PRODUCT} completion`] },
        priority: 2,
      });

      // While a subtask runs, its job, the wave waiting for it and the deadline job are in Redis.
      await copyStarted;
      const during = await searchRedis();
      finishCopy();
      expect(during.leaks).toEqual([]);
      // The search does read job data: the ids the jobs carry are found.
      const running = (await env.store.tasks.get('tenant-a', taskId))!.subtasks!.find((s) => s.key === 'copy')!;
      expect(during.everything).toContain(taskId);
      expect(during.everything).toContain(running.id);
      expect(during.entries.some((e) => e.type === 'hash' && e.text.includes(running.id))).toBe(true);

      const task = await mesh.waitForTask(taskId);
      expect(task.status).toBe('completed');
      // The text did flow through the engine (in Postgres, where content lives) ...
      expect(task.result?.content).toContain(PRODUCT);
      expect(task.subtasks!.find((s) => s.key === 'layout')?.description).toContain(PRODUCT);
      // ... and what the run left in Redis (events streams, kept jobs) has none of it.
      const after = await searchRedis();
      expect(after.leaks).toEqual([]);
      expect(after.everything).toContain(taskId);
    });
  });
});
