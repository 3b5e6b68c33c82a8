import { AgentConfig, TaskSafety, type CoordinatorDecision } from '@mesh/core';
import {
  createTestEnv,
  MODERATION_FAIL_MARKER,
  MODERATION_FLAG_MARKER,
  ScriptedModel,
  startFakeProviderServer,
  startInProcessMesh,
  type FakeProviderServer,
  type InProcessMesh,
  type TestEnv,
} from '@mesh/testing';
import { SCHEMA_NAMES } from '../model-client';

const BLOCKED = 'zanzibar-protocol';

let env: TestEnv;
let fake: FakeProviderServer;
beforeAll(async () => {
  fake = await startFakeProviderServer();
  // Moderation is `auto`: with an OpenAI key set, the real SDK calls the fake server's /moderations.
  env = await createTestEnv('engine-safety', {
    MESH_SAFETY_BLOCKLIST: `${BLOCKED}, other term`,
    OPENAI_API_KEY: 'sk-fake-moderation-key-123456',
    OPENAI_BASE_URL: fake.baseUrls.openai,
    MESH_AGENT_DISCOVERY_MS: '200',
  });
});
afterAll(async () => {
  await env?.cleanup();
  await fake?.close();
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

/** A coordinator and one writer: the smallest network a task can run in. */
const TWO_AGENTS = [
  { name: 'Coordinator', type: 'coordinator' },
  { name: 'Writer', type: 'content' },
].map((a) => AgentConfig.parse(a));

/** Iteration 1 plans one subtask per given agent output; iteration 2 completes with `final`. */
function scripted(outputs: Record<string, { result: string; reasoning?: string; memories?: string[] }>, final: { content: string; explanation?: string }, newMemories: string[] = []) {
  return new ScriptedModel((req, call) => {
    if (call.schemaName === SCHEMA_NAMES.coordinatorDecision) {
      const decision: CoordinatorDecision =
        iterationOf(call.user) === 1
          ? {
              task_complete: false,
              reasoning: 'plan',
              subtasks: Object.keys(outputs).map((key) => ({ key, agent_type: key, description: `do ${key}`, depends_on: [] })),
              new_memories: newMemories.map((content) => ({ type: 'fact', content, confidence: 0.9 })),
              result: null,
            }
          : { task_complete: true, reasoning: 'done', subtasks: [], new_memories: [], result: { content: final.content, confidence: 0.9, explanation: final.explanation ?? 'e' } };
      return decision;
    }
    const key = /<data name="subtask">\ndo (\w+)/.exec(call.user)?.[1] ?? '';
    const out = outputs[key];
    if (!out) return new Error(`no scripted output for ${key}`);
    return {
      reasoning: out.reasoning ?? 'because',
      result: out.result,
      confidence: 0.8,
      suggested_memories: (out.memories ?? []).map((content) => ({ type: 'fact', content, confidence: 0.9 })),
    };
  });
}

describe('the safety filter in the engine', () => {
  it('withholds and redacts agent output before it is stored, and the task says why', async () => {
    const model = scripted(
      {
        content: { result: `Subject line: all about the ${BLOCKED}`, reasoning: `mentions ${BLOCKED}` },
        design: { result: 'Footer: write to press@acme.example or call (415) 555-0100', memories: ['Owner phone is 415-555-0199', `Never mention ${BLOCKED}`] },
        analytics: { result: `Benchmarks look fine. ${MODERATION_FLAG_MARKER}` },
        personalization: { result: 'Segments: developers, managers' },
      },
      { content: 'Final campaign. Questions: lead@acme.example', explanation: 'combined' },
    );
    await withMesh(model, async (mesh) => {
      const networkId = await mesh.createNetwork({ name: 'Safety' });
      const task = await mesh.waitForTask(await mesh.submit(networkId, { task: 'Write a launch email' }));
      expect(task.status).toBe('completed');
      const byKey = Object.fromEntries((task.subtasks ?? []).map((s) => [s.key, s]));

      expect(byKey.content?.status).toBe('completed');
      expect(byKey.content?.result).toBe(`[withheld by the safety filter: blocklist: "${BLOCKED}"]`);
      expect(byKey.content?.reasoning).toBe(byKey.content?.result);
      expect(byKey.design?.result).toBe('Footer: write to [redacted email] or call [redacted phone]');
      expect(byKey.analytics?.result).toBe('[withheld by the safety filter: moderation: violence]');
      expect(byKey.personalization?.result).toBe('Segments: developers, managers');
      expect(task.result?.content).toBe('Final campaign. Questions: [redacted email]');

      const safety = TaskSafety.parse(task.safety);
      expect(safety.flagged).toBe(true);
      const items = safety.items.map(({ where, action, reasons }) => ({ where, action, reasons }));
      expect(items).toEqual(
        expect.arrayContaining([
          { where: 'subtask content', action: 'withhold', reasons: [`blocklist: "${BLOCKED}"`] },
          { where: 'subtask design', action: 'redact', reasons: ['pii: email', 'pii: phone'] },
          { where: 'subtask design memories', action: 'withhold', reasons: ['memories: 1 withheld, 1 redacted', 'pii: phone', `blocklist: "${BLOCKED}"`] },
          { where: 'subtask analytics', action: 'withhold', reasons: ['moderation: violence'] },
          { where: 'result', action: 'redact', reasons: ['pii: email'] },
        ]),
      );
      expect(items).toHaveLength(5);
      expect(safety.items.find((i) => i.where === 'subtask content')?.subtask_id).toBe(byKey.content?.id);

      // Nothing withheld or unredacted reached the database, memory included.
      const { rows } = await env.db.query<{ dump: string }>(
        `SELECT (SELECT json_agg(s)::text FROM subtasks s WHERE task_id = $1) || (SELECT coalesce(json_agg(m)::text, '') FROM memory_items m WHERE network_id = $2) || (SELECT row_to_json(t)::text FROM tasks t WHERE id = $1) AS dump`,
        [task.id, networkId],
      );
      const dump = rows[0]?.dump ?? '';
      for (const leaked of ['press@acme.example', '555-0100', '555-0199', 'lead@acme.example', MODERATION_FLAG_MARKER, `all about the ${BLOCKED}`, `Never mention ${BLOCKED}`]) {
        expect({ leaked, found: dump.includes(leaked) }).toEqual({ leaked, found: false });
      }
      const memories = await env.store.memory.list('tenant-a', networkId, { limit: 50 });
      expect(memories.memory.map((m) => m.content)).toContain('Owner phone is [redacted phone]');
      // The moderation endpoint was asked through the real SDK, one batch per output.
      expect(fake.moderationRequests.some((r) => r.status === 200 && r.inputs.some((i) => i.includes(MODERATION_FLAG_MARKER)))).toBe(true);
    });
  });

  it('completes a task whose final result is withheld, with the placeholder and the reason (not failed)', async () => {
    const model = scripted({ content: { result: 'A clean draft' } }, { content: `Final text naming the ${BLOCKED.toUpperCase()}`, explanation: 'from the draft' }, [
      `Remember the ${BLOCKED}`,
      'Launch is on Tuesday',
    ]);
    await withMesh(model, async (mesh) => {
      const networkId = await mesh.createNetwork({ name: 'Withheld result', agents: TWO_AGENTS });
      const task = await mesh.waitForTask(await mesh.submit(networkId, { task: 'Write it' }));
      expect(task.status).toBe('completed');
      expect(task.error).toBeNull();
      expect(task.result).toEqual({
        content: `[withheld by the safety filter: blocklist: "${BLOCKED}"]`,
        confidence: 0.9,
        explanation: `[withheld by the safety filter: blocklist: "${BLOCKED}"]`,
      });
      const safety = TaskSafety.parse(task.safety);
      expect(safety.items.map(({ where, action }) => ({ where, action }))).toEqual([
        { where: 'coordinator memories', action: 'withhold' },
        { where: 'result', action: 'withhold' },
      ]);
      const memories = await env.store.memory.list('tenant-a', networkId, { limit: 50 });
      expect(memories.memory.map((m) => m.content)).toEqual(['Launch is on Tuesday']);
    });
  });

  it('does not fail the task when moderation fails: local checks still apply', async () => {
    const before = fake.moderationRequests.filter((r) => r.status === 500).length;
    const model = scripted({ content: { result: `Draft ${MODERATION_FAIL_MARKER}: mail ceo@acme.example` } }, { content: 'Final' });
    await withMesh(model, async (mesh) => {
      const networkId = await mesh.createNetwork({ name: 'Moderation down', agents: TWO_AGENTS });
      const task = await mesh.waitForTask(await mesh.submit(networkId, { task: 'Write it' }));
      expect(task.status).toBe('completed');
      expect(task.subtasks?.[0]?.result).toBe(`Draft ${MODERATION_FAIL_MARKER}: mail [redacted email]`);
      expect(TaskSafety.parse(task.safety).items.map((i) => i.reasons)).toEqual([['pii: email']]);
      expect(fake.moderationRequests.filter((r) => r.status === 500).length).toBeGreaterThan(before);
    });
  });

  it('leaves clean output alone: safety stays null', async () => {
    const model = scripted({ content: { result: 'A clean draft about the launch' } }, { content: 'Final clean text' });
    await withMesh(model, async (mesh) => {
      const networkId = await mesh.createNetwork({ name: 'Clean', agents: TWO_AGENTS });
      const task = await mesh.waitForTask(await mesh.submit(networkId, { task: 'Write it' }));
      expect(task.status).toBe('completed');
      expect(task.safety).toBeNull();
      expect(task.result?.content).toBe('Final clean text');
    });
  });
});
