/**
 * An agent's prompt carries memory that says the same as the task in other words: the real model
 * layer and SDK against the fake provider server, the engine and its embedding job in process.
 */
import { createTestEnv, meshFakeResponder, startFakeProviderServer, startInProcessMesh, waitFor, type FakeProviderServer, type InProcessMesh, type TestEnv } from '@mesh/testing';
import { retrieveRelevantMemory } from './memory-retrieval';

const PARAPHRASED = 'Tech professionals open emails most on Tuesday and Wednesday mornings';
/** Shares no word with PARAPHRASED: only its meaning can bring it into the prompt. */
const TASK = 'Pick the best send time for our next product announcement';
/** Newer than PARAPHRASED, so that the few newest items a prompt always gets do not include it. */
const NEWER = [
  'The brand voice is plain, warm and direct',
  'Discount codes expire forty-eight hours after they are issued',
  'Our legal team must approve any claim about pricing',
  'The design system uses a blue and orange palette',
  'Customers in Germany prefer invoices over card payments',
  'Hero images must show the product in use',
];

let fake: FakeProviderServer;
let env: TestEnv;
let mesh: InProcessMesh;
const memoryBlocks: { kind: string; memory: string }[] = [];

beforeAll(async () => {
  fake = await startFakeProviderServer();
  fake.respondWith(
    'anthropic',
    meshFakeResponder((req) => {
      memoryBlocks.push({ kind: req.kind, memory: req.block('memory') ?? '' });
      return undefined;
    }),
  );
  env = await createTestEnv('semantic-prompt', {
    MESH_LLM_PROVIDER: 'live',
    ANTHROPIC_API_KEY: 'sk-ant-semantic-test',
    ANTHROPIC_BASE_URL: fake.baseUrls.anthropic,
    MESH_EMBEDDING_POLL_MS: '50',
  });
  mesh = await startInProcessMesh(env, undefined);
}, 60_000);

afterAll(async () => {
  await mesh.close();
  await fake.close();
  await env.cleanup();
});

it("puts a memory that says the task's meaning in other words into the agents' prompts", async () => {
  const networkId = await mesh.createNetwork({ name: 'Send times' });
  await env.store.memory.add('tenant-a', networkId, { memory_type: 'fact', content: PARAPHRASED, confidence: 0.9 });
  for (const content of NEWER) await env.store.memory.add('tenant-a', networkId, { memory_type: 'fact', content, confidence: 0.9 });
  // The in-process mesh runs the processes' embedding job.
  await waitFor('every item embedded', async () => ((await env.store.memoryEmbeddings.spaceStatus('tenant-a', networkId, 'local:use-lite')).pending === 0 ? true : undefined));

  // By full text and recency alone, the task's retrieval does not find it.
  const byWords = await retrieveRelevantMemory(env.store.memory, { tenantId: 'tenant-a', networkId, text: TASK, tokenBudget: 500, candidates: 50 });
  expect(byWords.items.map((m) => m.content)).not.toContain(PARAPHRASED);

  const encodings = jest.spyOn(mesh.runtime.embeddings, 'queryVector');
  const task = await mesh.waitForTask(await mesh.submit(networkId, { task: TASK }), 30_000);
  expect(task.status).toBe('completed');
  // The coordinator encoded the task once to plan and kept it; the subtasks searched by that vector
  // without asking the encoder (the synthesis asks again, and its process's cache answers).
  const { rows } = await env.db.query<{ model: string; bytes: number }>('SELECT model, length(vector) AS bytes FROM task_meanings WHERE task_id = $1', [task.id]);
  expect(rows).toEqual([{ model: 'local:use-lite', bytes: 512 * 4 }]);
  expect(encodings.mock.calls.filter(([, text]) => text === TASK)).toHaveLength(2);
  encodings.mockRestore();
  const plan = memoryBlocks.find((b) => b.kind === 'coordinator_decision');
  expect(plan?.memory).toContain(PARAPHRASED);
  const subtasks = memoryBlocks.filter((b) => b.kind === 'agent_output');
  expect(subtasks.length).toBeGreaterThan(0);
  expect(subtasks.every((b) => b.memory.includes(PARAPHRASED))).toBe(true);
}, 90_000);
