import { Lessons } from '@mesh/core';
import { meshFakeResponder, startFakeProviderServer, startInProcessMesh, waitFor, type FakeProviderServer, type InProcessMesh, type MeshSchemaKind } from '@mesh/testing';
import { startApiHarness, type ApiHarness } from './api-harness';

/**
 * Feedback and lessons end to end: the API takes feedback, the in-process coordinator and workers
 * run tasks and the lessons job with the real model layer and SDK against the fake provider, and
 * the prompts are read as the provider received them. Feedback on the content specialist shows
 * up in the next content subtask's prompt; after MESH_LESSON_EVERY items it is distilled into
 * lessons citing it, which the next content prompt carries; a person's edit replaces them.
 */

interface SeenPrompt {
  kind: MeshSchemaKind;
  system: string;
  user: string;
  memory: string;
}

let fake: FakeProviderServer;
let h: ApiHarness;
let mesh: InProcessMesh;
let networkId: string;
const seen: SeenPrompt[] = [];

const COMMENT = 'Mention the battery life in the first sentence';
const CORRECTION = 'TechPro X1 runs 30 hours on one charge: meet the laptop that outlasts your week';

beforeAll(async () => {
  fake = await startFakeProviderServer();
  fake.respondWith(
    'anthropic',
    meshFakeResponder((req) => {
      const user = req.request.lastUserText;
      seen.push({ kind: req.kind, system: req.request.promptText.slice(0, req.request.promptText.length - user.length), user, memory: req.block('memory') ?? '' });
      return undefined;
    }),
  );
  h = await startApiHarness('lessons-e2e', {
    MESH_LLM_PROVIDER: 'live',
    ANTHROPIC_API_KEY: 'sk-ant-lessons-test',
    ANTHROPIC_BASE_URL: fake.baseUrls.anthropic,
    MESH_LESSON_EVERY: '2',
    MESH_EMBEDDING_BATCH: '0',
  });
  mesh = await startInProcessMesh(h.t, undefined);
  const created = await h.call('POST', '/networks', {
    json: { name: 'Launch emails', agents: [{ name: 'Coordinator', type: 'coordinator' }, { name: 'Writer', type: 'content', description: 'Writes email copy' }] },
  });
  expect(created.status).toBe(201);
  networkId = created.body.id;
}, 60_000);

afterAll(async () => {
  await mesh?.close();
  await h?.close();
  await fake?.close();
});

/** Runs a task to completion; the prompts the provider received for it (plan, subtasks, synthesis). */
async function runTask(task: string): Promise<{ taskId: string; contentSubtaskId: string; prompts: SeenPrompt[] }> {
  const from = seen.length;
  const res = await h.call('POST', `/networks/${networkId}/tasks?wait=60`, { json: { task, process: true } });
  expect({ status: res.status, task: res.body.status }).toEqual({ status: 200, task: 'completed' });
  const content = res.body.subtasks.find((s: { agent_type: string }) => s.agent_type === 'content');
  return { taskId: res.body.id, contentSubtaskId: content.id, prompts: seen.slice(from) };
}

const contentPrompt = (prompts: SeenPrompt[]) => {
  const found = prompts.filter((p) => p.kind === 'agent_output' && p.system.includes('specialist of type "content"'));
  expect(found).toHaveLength(1);
  return found[0]!;
};

async function contentAgentId(): Promise<string> {
  const agents = await h.call('GET', `/networks/${networkId}/agents`);
  return agents.body.agents.find((a: { type: string }) => a.type === 'content').id;
}

it('carries feedback into the next content prompt, distils it into lessons after the threshold, and a person’s edit replaces them', async () => {
  // 1. Feedback on the content specialist's subtask is in the next content subtask's memory.
  const first = await runTask('Write the launch email for the TechPro X1 laptop');
  expect(contentPrompt(first.prompts).system).not.toContain("Lessons from people's feedback");
  const given = await h.call('POST', `/networks/${networkId}/tasks/${first.taskId}/feedback`, { json: { rating: 2, subtask_id: first.contentSubtaskId, comment: COMMENT } });
  expect(given.status).toBe(201);
  const second = await runTask('Write a follow-up email about the TechPro X1 laptop battery');
  const memoryLines = contentPrompt(second.prompts).memory.split('\n');
  expect(memoryLines).toContain(`- [feedback] A person rated the content agent's work 2 out of 5. Comment: ${COMMENT}`);
  // Nothing distilled yet: one item is below MESH_LESSON_EVERY.
  expect(contentPrompt(second.prompts).system).not.toContain("Lessons from people's feedback");

  // 2. The second item reaches the threshold: the coordinator distils both into lessons that cite them.
  const again = await h.call('POST', `/networks/${networkId}/tasks/${second.taskId}/feedback`, {
    json: { rating: 1, subtask_id: second.contentSubtaskId, comment: 'Too generic', correction: CORRECTION },
  });
  expect(again.status).toBe(201);
  const feedbackIds = [given.body.feedback.feedback_id, again.body.feedback.feedback_id];
  const agentId = await contentAgentId();
  const distilled = await waitFor(
    'lessons distilled',
    async () => {
      const lessons = Lessons.parse((await h.call('GET', `/networks/${networkId}/agents/${agentId}/lessons`)).body);
      return lessons.current ? lessons : undefined;
    },
    30_000,
  );
  expect(distilled.current).toMatchObject({ version: 1, source: 'distilled' });
  expect(distilled.pending_feedback).toBe(0);
  const lessons = distilled.current!.lessons;
  expect(lessons.length).toBeGreaterThan(0);
  expect(lessons.length).toBeLessThanOrEqual(10);
  expect(new Set(lessons.flatMap((l) => l.sources))).toEqual(new Set(feedbackIds));
  expect(lessons.map((l) => l.text).join('\n')).toContain(CORRECTION);
  // The feedback rows carry the version that distilled them; the model call was one, through the chain.
  const { rows } = await h.t.db.query('SELECT lesson_version FROM feedback WHERE network_id = $1 ORDER BY created_at', [networkId]);
  expect(rows.map((r) => r.lesson_version)).toEqual([1, 1]);
  const distillations = seen.filter((p) => p.kind === 'distilled_lessons');
  expect(distillations).toHaveLength(1);
  expect(distillations[0]!.user).toContain(COMMENT);
  expect(distillations[0]!.user).toContain('<data name="feedback">');
  const calls = await h.t.db.query(`SELECT count(*)::int AS n FROM llm_calls WHERE network_id = $1 AND purpose = 'lessons' AND outcome = 'success'`, [networkId]);
  expect(calls.rows[0]?.n).toBe(1);

  // 3. The next content prompt carries the lessons as a numbered list.
  const third = await runTask('Write the launch email for the TechPro X1 in German');
  const system = contentPrompt(third.prompts).system;
  expect(system).toContain("Lessons from people's feedback on your earlier work:");
  lessons.forEach((l, i) => expect(system).toContain(`${i + 1}. ${l.text}`));
  // The coordinator has no lessons of its own yet.
  expect(third.prompts.find((p) => p.kind === 'coordinator_decision')!.system).not.toContain("Lessons from people's feedback");

  // 4. A person's edit replaces them in the next prompt; the coordinator's own lessons reach its plan.
  const edit = await h.call('PUT', `/networks/${networkId}/agents/${agentId}/lessons`, { json: { lessons: [{ text: 'Open with the number of hours the battery lasts', sources: feedbackIds }] } });
  expect(edit.status).toBe(200);
  expect(edit.body.current).toMatchObject({ version: 2, source: 'person' });
  expect(edit.body.history.map((v: { version: number }) => v.version)).toEqual([2, 1]);
  const coordinatorId = (await h.call('GET', `/networks/${networkId}/agents`)).body.agents.find((a: { type: string }) => a.type === 'coordinator').id;
  expect((await h.call('PUT', `/networks/${networkId}/agents/${coordinatorId}/lessons`, { json: { lessons: [{ text: 'Plan one writing subtask per email' }] } })).status).toBe(200);
  const fourth = await runTask('Write the launch email for the TechPro X1 in French');
  const edited = contentPrompt(fourth.prompts).system;
  expect(edited).toContain("Lessons from people's feedback on your earlier work:\n1. Open with the number of hours the battery lasts");
  for (const l of lessons) expect(edited).not.toContain(l.text);
  expect(fourth.prompts.find((p) => p.kind === 'coordinator_decision')!.system).toContain('1. Plan one writing subtask per email');
}, 180_000);
