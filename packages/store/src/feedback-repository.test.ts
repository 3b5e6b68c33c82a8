import { CreateNetworkBody, SubmitTaskBody } from '@mesh/core';
import { createTestEnv, type TestEnv } from '@mesh/testing';
import { feedbackMemoryContent, type NewFeedback } from './feedback-repository';

/**
 * Feedback and lessons in Postgres: a feedback item and its memory item are one statement; the
 * lessons are versioned per agent type; a distillation stores its version and marks the feedback
 * it read once (a repeated one, or one after a person's edit, writes nothing); everything is
 * confined to its tenant.
 */

let t: TestEnv;
beforeAll(async () => {
  t = await createTestEnv('feedback-repository');
});
afterAll(async () => {
  await t.cleanup();
});

async function taskWithSubtask(tenantId = 'tenant-a') {
  const network = await t.store.networks.create(tenantId, CreateNetworkBody.parse({ name: `Feedback ${tenantId}` }));
  const task = (await t.store.tasks.create(tenantId, network.id, SubmitTaskBody.parse({ task: 'Write the launch email' })))!;
  const [subtask] = await t.store.subtasks.insertPlan({ id: task.id, tenant_id: tenantId, network_id: network.id }, 1, [
    { key: 'copy', agent_type: 'content', description: 'Write the copy', depends_on: [], agent_id: null },
  ]);
  return { network, task, subtask: subtask! };
}

const feedbackOn = (fixture: Awaited<ReturnType<typeof taskWithSubtask>>, overrides: Partial<NewFeedback> = {}): NewFeedback => ({
  tenantId: 'tenant-a',
  networkId: fixture.network.id,
  taskId: fixture.task.id,
  subtaskId: fixture.subtask.id,
  agentType: 'content',
  rating: 2,
  comment: 'The subject line is too long',
  correction: 'TechPro X1 is here',
  ...overrides,
});

describe('FeedbackRepository', () => {
  it('stores the feedback and its feedback memory item together, counting what is not yet distilled', async () => {
    const f = await taskWithSubtask();
    const first = await t.store.feedback.create(feedbackOn(f));
    expect(first.pending).toBe(1);
    expect(first.feedback).toMatchObject({ network_id: f.network.id, task_id: f.task.id, subtask_id: f.subtask.id, agent_type: 'content', rating: 2, lesson_version: null });
    const { rows } = await t.db.query('SELECT * FROM memory_items WHERE id = $1', [first.feedback.memory_id]);
    const memory = rows[0]!;
    expect(memory).toMatchObject({ memory_type: 'feedback', source_kind: 'api', source_task_id: f.task.id, source_subtask_id: f.subtask.id, tenant_id: 'tenant-a' });
    expect(memory.content).toBe("A person rated the content agent's work 2 out of 5. Comment: The subject line is too long Correction: TechPro X1 is here");
    expect(memory.metadata).toEqual({ feedback_id: first.feedback.feedback_id, agent_type: 'content', task_id: f.task.id, subtask_id: f.subtask.id, rating: 2 });

    const second = await t.store.feedback.create(feedbackOn(f, { subtaskId: null, agentType: 'coordinator', rating: 5, comment: null, correction: null }));
    // Counted per agent type.
    expect(second.pending).toBe(1);
    expect((await t.store.feedback.create(feedbackOn(f, { rating: 3, comment: 'Better' }))).pending).toBe(2);
    expect(await t.store.feedback.pendingCount('tenant-a', f.network.id, 'content')).toBe(2);
    expect((await t.store.feedback.forTask('tenant-a', f.task.id)).map((x) => x.rating)).toEqual([2, 5, 3]);
    expect((await t.store.feedback.forNetwork('tenant-a', f.network.id, { limit: 50 })).map((x) => x.rating)).toEqual([3, 5, 2]);
    expect((await t.store.feedback.forNetwork('tenant-a', f.network.id, { agentType: 'coordinator', limit: 50 })).map((x) => x.rating)).toEqual([5]);
    expect((await t.store.feedback.undistilled('tenant-a', f.network.id, 'content', 10)).map((x) => x.rating)).toEqual([2, 3]);
  });

  it("shows no tenant another tenant's feedback", async () => {
    const f = await taskWithSubtask();
    await t.store.feedback.create(feedbackOn(f));
    expect(await t.store.feedback.forTask('tenant-b', f.task.id)).toEqual([]);
    expect(await t.store.feedback.forNetwork('tenant-b', f.network.id, { limit: 50 })).toEqual([]);
    expect(await t.store.feedback.pendingCount('tenant-b', f.network.id, 'content')).toBe(0);
    expect(await t.store.feedback.undistilled('tenant-b', f.network.id, 'content', 10)).toEqual([]);
  });

  it('words the memory sentence from what was given', () => {
    expect(feedbackMemoryContent({ agentType: 'coordinator', rating: 5, comment: null, correction: null })).toBe("A person rated the coordinator agent's work 5 out of 5.");
  });

  it("gives the feedback's agent type to prompt candidates, and only to feedback items", async () => {
    const f = await taskWithSubtask();
    await t.store.feedback.create(feedbackOn(f, { comment: 'heliotrope launch wording' }));
    await t.store.memory.add('tenant-a', f.network.id, { memory_type: 'fact', content: 'heliotrope launch fact', confidence: 1, metadata: { agent_type: 'content' } });
    const [candidates] = await t.store.memory.candidatesMany([{ tenantId: 'tenant-a', networkId: f.network.id, text: 'heliotrope launch', query: { matches: 10 } }]);
    const byType = Object.fromEntries(candidates!.map((c) => [c.memory_type, c.feedback_agent_type]));
    expect(byType).toEqual({ feedback: 'content', fact: undefined });
  });

  it("loads the coordinator's lessons and the candidates' agent types with an iteration's start, and an agent type's lessons with a subtask's claim", async () => {
    const f = await taskWithSubtask();
    await t.store.feedback.create(feedbackOn(f, { comment: 'heliotrope launch wording' }));
    await t.store.lessons.put('tenant-a', f.network.id, 'coordinator', [{ text: 'Plan fewer subtasks', sources: [] }]);
    await t.store.lessons.put('tenant-a', f.network.id, 'content', [{ text: 'Old', sources: [] }]);
    await t.store.lessons.put('tenant-a', f.network.id, 'content', [{ text: 'Short subject lines', sources: [] }]);
    await t.store.tasks.markQueued('tenant-a', f.task.id);
    const context = await t.store.tasks.beginIterationWithContext('tenant-a', f.task.id, 1, { matches: 10 });
    expect(context?.coordinatorLessons).toEqual([{ text: 'Plan fewer subtasks', sources: [] }]);
    const feedback = context!.memoryCandidates.filter((c) => c.memory_type === 'feedback');
    expect(feedback.map((c) => c.feedback_agent_type)).toEqual(['content']);
    expect(context!.memoryCandidates.filter((c) => c.memory_type !== 'feedback').every((c) => !('feedback_agent_type' in c))).toBe(true);
    const work = await t.store.subtasks.claimMany([{ tenantId: 'tenant-a', taskId: f.task.id, subtaskId: f.subtask.id, workerId: 'w' }]);
    expect(work[0]?.lessons).toEqual([{ text: 'Short subject lines', sources: [] }]);
  });
});

describe('LessonRepository', () => {
  it('versions a person’s lessons per agent type; an empty list clears them and the history keeps all', async () => {
    const f = await taskWithSubtask();
    expect(await t.store.lessons.latest('tenant-a', f.network.id, 'content')).toBeNull();
    const v1 = await t.store.lessons.put('tenant-a', f.network.id, 'content', [{ text: 'Keep it short', sources: [] }]);
    expect(v1).toMatchObject({ version: 1, source: 'person', lessons: [{ text: 'Keep it short', sources: [] }] });
    await t.store.lessons.put('tenant-a', f.network.id, 'design', [{ text: 'Two colours', sources: [] }]);
    const v2 = await t.store.lessons.put('tenant-a', f.network.id, 'content', []);
    expect(v2.version).toBe(2);
    expect(await t.store.lessons.current('tenant-a', f.network.id, 'content')).toEqual([]);
    expect((await t.store.lessons.history('tenant-a', f.network.id, 'content')).map((s) => s.version)).toEqual([2, 1]);
    expect(await t.store.lessons.current('tenant-a', f.network.id, 'design')).toEqual([{ text: 'Two colours', sources: [] }]);
    expect(await t.store.lessons.history('tenant-b', f.network.id, 'content')).toEqual([]);
  });

  it('gives concurrent edits one version each', async () => {
    const f = await taskWithSubtask();
    const sets = await Promise.all([1, 2, 3].map((n) => t.store.lessons.put('tenant-a', f.network.id, 'content', [{ text: `Edit ${n}`, sources: [] }])));
    expect(sets.map((s) => s.version).sort()).toEqual([1, 2, 3]);
  });

  it('stores a distillation once with its feedback marked; a repeat, or one after a person’s edit, writes nothing', async () => {
    const f = await taskWithSubtask();
    const a = (await t.store.feedback.create(feedbackOn(f))).feedback;
    const b = (await t.store.feedback.create(feedbackOn(f, { rating: 1 }))).feedback;
    const lessons = [{ text: 'Short subject lines', sources: [a.feedback_id, b.feedback_id] }];
    const stored = await t.store.lessons.storeDistilled('tenant-a', f.network.id, 'content', { basedOn: 0, lessons, feedbackIds: [a.feedback_id, b.feedback_id] });
    expect(stored).toMatchObject({ version: 1, source: 'distilled', lessons });
    expect((await t.store.feedback.forTask('tenant-a', f.task.id)).map((x) => x.lesson_version)).toEqual([1, 1]);
    expect(await t.store.feedback.pendingCount('tenant-a', f.network.id, 'content')).toBe(0);

    // The same job delivered again: the version exists, nothing changes.
    expect(await t.store.lessons.storeDistilled('tenant-a', f.network.id, 'content', { basedOn: 0, lessons: [{ text: 'Other', sources: [] }], feedbackIds: [a.feedback_id] })).toBeNull();
    expect(await t.store.lessons.current('tenant-a', f.network.id, 'content')).toEqual(lessons);

    // A person's edit lands while a distillation based on v1 runs: the edit wins, the feedback stays pending.
    const c = (await t.store.feedback.create(feedbackOn(f, { rating: 4 }))).feedback;
    await t.store.lessons.put('tenant-a', f.network.id, 'content', [{ text: 'Mine', sources: [] }]);
    expect(await t.store.lessons.storeDistilled('tenant-a', f.network.id, 'content', { basedOn: 1, lessons: [{ text: 'Late', sources: [] }], feedbackIds: [c.feedback_id] })).toBeNull();
    expect(await t.store.lessons.current('tenant-a', f.network.id, 'content')).toEqual([{ text: 'Mine', sources: [] }]);
    expect(await t.store.feedback.pendingCount('tenant-a', f.network.id, 'content')).toBe(1);
  });
});
