import { randomUUID } from 'node:crypto';
import { CreateNetworkBody, ErrorBody, Feedback, FeedbackCreated, FeedbackList, Lessons } from '@mesh/core';
import { jobIds } from '@mesh/queue';
import { KEY_B, startApiHarness, type ApiHarness } from './api-harness';

/**
 * Feedback and lessons over HTTP: feedback on a subtask belongs to its agent type, on the task to
 * the coordinator, and is stored as a `feedback` memory item in the same statement; bad input is
 * a 400 (409 for a task not ended) and changes nothing; another tenant's task or agent is a 404;
 * the threshold enqueues one lessons job; a person's PUT replaces the lessons as a new version.
 */

let h: ApiHarness;
let networkId: string;
let contentAgentId: string;
let coordinatorAgentId: string;
let theirNetworkId: string;
let theirAgentId: string;

/** A task of `networkId` in `status` with one subtask of each given agent type; ids by agent type. */
async function taskWith(status: string, agentTypes: string[] = ['content'], network = networkId, tenant = 'tenant-a'): Promise<{ taskId: string; subtasks: Record<string, string> }> {
  const taskId = randomUUID();
  await h.t.db.query(
    `INSERT INTO tasks (id, tenant_id, network_id, task, context, priority, status, max_iterations, timeout_seconds, approvals, approval_timeout_seconds)
     VALUES ($1, $2, $3, 'Write the launch email', '{}', 5, $4, 3, 60, '{}', 60)`,
    [taskId, tenant, network, status],
  );
  const subtasks: Record<string, string> = {};
  for (const type of agentTypes) {
    subtasks[type] = randomUUID();
    await h.t.db.query(
      `INSERT INTO subtasks (id, tenant_id, network_id, task_id, iteration, key, agent_type, description, status, result) VALUES ($1, $2, $3, $4, 1, $5, $5, 'Write', 'completed', 'Done')`,
      [subtasks[type], tenant, network, taskId, type],
    );
  }
  return { taskId, subtasks };
}

const counts = async () => {
  const { rows } = await h.t.db.query<{ f: string; m: string; l: string }>('SELECT (SELECT count(*) FROM feedback) f, (SELECT count(*) FROM memory_items) m, (SELECT count(*) FROM agent_lessons) l');
  return rows[0];
};

beforeAll(async () => {
  h = await startApiHarness('feedback', { MESH_LESSON_EVERY: '2' });
  const network = await h.deps.store.networks.create('tenant-a', CreateNetworkBody.parse({ name: 'Feedback' }));
  networkId = network.id;
  contentAgentId = network.agents!.find((a) => a.type === 'content')!.id;
  coordinatorAgentId = network.agents!.find((a) => a.type === 'coordinator')!.id;
  const theirs = await h.deps.store.networks.create('tenant-b', CreateNetworkBody.parse({ name: 'Theirs' }));
  theirNetworkId = theirs.id;
  theirAgentId = theirs.agents!.find((a) => a.type === 'content')!.id;
}, 60_000);

afterAll(async () => {
  await h?.close();
});

describe('POST …/tasks/{task_id}/feedback', () => {
  it("stores feedback on a subtask as its agent type's, with a feedback memory item linked to it", async () => {
    const { taskId, subtasks } = await taskWith('completed', ['content', 'design']);
    const res = await h.call('POST', `/networks/${networkId}/tasks/${taskId}/feedback`, {
      json: { rating: 2, subtask_id: subtasks.design, comment: 'Too many colours', correction: 'Use the two brand colours only' },
    });
    expect(res.status).toBe(201);
    const { feedback } = FeedbackCreated.parse(res.body);
    expect(feedback).toMatchObject({ network_id: networkId, task_id: taskId, subtask_id: subtasks.design, agent_type: 'design', rating: 2, comment: 'Too many colours', lesson_version: null });
    const { rows } = await h.t.db.query('SELECT * FROM memory_items WHERE id = $1', [feedback.memory_id]);
    const memory = rows[0]!;
    expect(memory).toMatchObject({ memory_type: 'feedback', network_id: networkId, source_task_id: taskId, source_subtask_id: subtasks.design });
    expect(memory.content).toContain('rated the design agent\'s work 2 out of 5');
    expect(memory.content).toContain('Too many colours');
    expect(memory.content).toContain('Use the two brand colours only');
    expect(memory.metadata).toEqual({ feedback_id: feedback.feedback_id, agent_type: 'design', task_id: taskId, subtask_id: subtasks.design, rating: 2 });

    const list = await h.call('GET', `/networks/${networkId}/tasks/${taskId}/feedback`);
    expect(list.status).toBe(200);
    expect(FeedbackList.parse(list.body).feedback.map((f) => f.feedback_id)).toEqual([feedback.feedback_id]);
  });

  it("stores feedback on the task as the coordinator's, for any ended status", async () => {
    for (const status of ['failed', 'timed_out', 'cancelled']) {
      const { taskId } = await taskWith(status);
      const res = await h.call('POST', `/networks/${networkId}/tasks/${taskId}/feedback`, { json: { rating: 5 } });
      expect({ status, code: res.status }).toEqual({ status, code: 201 });
      expect(Feedback.parse(res.body.feedback)).toMatchObject({ agent_type: 'coordinator', subtask_id: null, comment: null, correction: null });
    }
  });

  it('answers 400 for a rating outside 1–5 or a subtask of another task, and 409 for a task not ended; nothing is stored', async () => {
    const { taskId } = await taskWith('completed');
    const other = await taskWith('completed');
    const before = await counts();
    for (const body of [{ rating: 0 }, { rating: 6 }, { rating: 3.5 }, { rating: '4' }, {}, { rating: 3, comment: '' }, { rating: 3, tenant_id: 'tenant-b' }, { rating: 3, comment: 'x'.repeat(2001) }, { rating: 3, subtask_id: 'nope' }]) {
      const res = await h.call('POST', `/networks/${networkId}/tasks/${taskId}/feedback`, { json: body });
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect(ErrorBody.parse(res.body).error.code).toBe('validation_error');
    }
    const foreignSubtask = await h.call('POST', `/networks/${networkId}/tasks/${taskId}/feedback`, { json: { rating: 3, subtask_id: other.subtasks.content } });
    expect(foreignSubtask.status).toBe(400);
    expect(foreignSubtask.body.error.message).toContain('not a subtask of task');
    for (const status of ['pending', 'queued', 'in_progress', 'awaiting_approval']) {
      const open = await taskWith(status);
      const res = await h.call('POST', `/networks/${networkId}/tasks/${open.taskId}/feedback`, { json: { rating: 4 } });
      expect({ status, code: res.status, error: res.body.error.code }).toEqual({ status, code: 409, error: 'conflict' });
    }
    expect(await counts()).toEqual(before);
  });

  it("answers 404 for another tenant's task, network or agent, and changes nothing", async () => {
    const theirs = await taskWith('completed', ['content'], theirNetworkId, 'tenant-b');
    const before = await counts();
    const attempts = [
      h.call('POST', `/networks/${theirNetworkId}/tasks/${theirs.taskId}/feedback`, { json: { rating: 1 } }),
      h.call('POST', `/networks/${networkId}/tasks/${theirs.taskId}/feedback`, { json: { rating: 1 } }),
      h.call('GET', `/networks/${theirNetworkId}/tasks/${theirs.taskId}/feedback`),
      h.call('GET', `/networks/${theirNetworkId}/feedback`),
      h.call('GET', `/networks/${theirNetworkId}/agents/${theirAgentId}/lessons`),
      h.call('GET', `/networks/${networkId}/agents/${theirAgentId}/lessons`),
      h.call('PUT', `/networks/${theirNetworkId}/agents/${theirAgentId}/lessons`, { json: { lessons: [{ text: 'Mine now' }] } }),
      h.call('PUT', `/networks/${networkId}/agents/${theirAgentId}/lessons`, { json: { lessons: [] } }),
      // The owner sees them, under its own key.
      h.call('GET', `/networks/${networkId}/feedback`, { key: KEY_B }),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
    expect(await counts()).toEqual(before);
    const owner = await h.call('GET', `/networks/${theirNetworkId}/tasks/${theirs.taskId}/feedback`, { key: KEY_B });
    expect(owner.status).toBe(200);
  });
});

describe('GET /networks/{network_id}/feedback', () => {
  it("lists the network's feedback newest first, of one agent type with ?agent_type=, at most ?limit=", async () => {
    const { taskId, subtasks } = await taskWith('completed', ['analytics']);
    const first = (await h.call('POST', `/networks/${networkId}/tasks/${taskId}/feedback`, { json: { rating: 3, subtask_id: subtasks.analytics } })).body.feedback;
    const second = (await h.call('POST', `/networks/${networkId}/tasks/${taskId}/feedback`, { json: { rating: 4, subtask_id: subtasks.analytics, comment: 'Better' } })).body.feedback;
    const analytics = await h.call('GET', `/networks/${networkId}/feedback?agent_type=analytics`);
    expect(analytics.status).toBe(200);
    expect(analytics.body.feedback.map((f: Feedback) => f.feedback_id)).toEqual([second.feedback_id, first.feedback_id]);
    const one = await h.call('GET', `/networks/${networkId}/feedback?limit=1`);
    expect(one.body.feedback).toHaveLength(1);
    for (const query of ['?limit=0', '?limit=201', '?agent_type=', '?rating=3']) expect((await h.call('GET', `/networks/${networkId}/feedback${query}`)).status).toBe(400);
  });
});

describe('lessons', () => {
  it('enqueues one lessons job for an agent type when its undistilled feedback reaches MESH_LESSON_EVERY', async () => {
    const { taskId, subtasks } = await taskWith('completed', ['personalization']);
    const jobId = jobIds.lessons(networkId, 'personalization');
    await h.call('POST', `/networks/${networkId}/tasks/${taskId}/feedback`, { json: { rating: 2, subtask_id: subtasks.personalization } });
    expect(await h.deps.queues.coordinator.getJob(jobId)).toBeUndefined();
    await h.call('POST', `/networks/${networkId}/tasks/${taskId}/feedback`, { json: { rating: 1, subtask_id: subtasks.personalization } });
    const job = await h.deps.queues.coordinator.getJob(jobId);
    expect(job?.name).toBe('lessons');
    // Ids only: the feedback's words never reach Redis.
    expect(job?.data).toEqual({ tenantId: 'tenant-a', networkId, agentType: 'personalization' });
    // A third item while the job waits is no second job.
    await h.call('POST', `/networks/${networkId}/tasks/${taskId}/feedback`, { json: { rating: 1, subtask_id: subtasks.personalization, comment: 'Still generic' } });
    const jobs = await h.deps.queues.coordinator.getJobs(['waiting', 'prioritized', 'delayed']);
    expect(jobs.filter((j) => j.name === 'lessons' && j.data.agentType === 'personalization')).toHaveLength(1);
    const lessons = Lessons.parse((await h.call('GET', `/networks/${networkId}/agents/${(await agentId('personalization'))}/lessons`)).body);
    expect(lessons).toMatchObject({ agent_type: 'personalization', current: null, history: [], pending_feedback: 3, lesson_every: 2 });
  });

  it("replaces an agent's lessons with a person's as a new version, clears them with an empty list, and keeps the history", async () => {
    const put = await h.call('PUT', `/networks/${networkId}/agents/${contentAgentId}/lessons`, { json: { lessons: [{ text: 'Keep subject lines short' }, { text: 'Name the product first', sources: [] }] } });
    expect(put.status).toBe(200);
    const set = Lessons.parse(put.body);
    expect(set.current).toMatchObject({ version: 1, source: 'person', lessons: [{ text: 'Keep subject lines short', sources: [] }, { text: 'Name the product first', sources: [] }] });
    const cleared = Lessons.parse((await h.call('PUT', `/networks/${networkId}/agents/${contentAgentId}/lessons`, { json: { lessons: [] } })).body);
    expect(cleared.current).toBeNull();
    expect(cleared.history.map((v) => [v.version, v.lessons.length])).toEqual([
      [2, 0],
      [1, 2],
    ]);
    expect(await h.deps.store.lessons.current('tenant-a', networkId, 'content')).toEqual([]);
    // The coordinator's lessons are its own.
    const coordinator = Lessons.parse((await h.call('GET', `/networks/${networkId}/agents/${coordinatorAgentId}/lessons`)).body);
    expect(coordinator.agent_type).toBe('coordinator');
    expect(coordinator.history).toEqual([]);
  });

  it('answers 400 for lessons over the limits and changes nothing', async () => {
    const before = await counts();
    const tooMany = Array.from({ length: 21 }, (_, i) => ({ text: `Lesson ${i}` }));
    for (const body of [
      { lessons: tooMany },
      { lessons: [{ text: 'x'.repeat(501) }] },
      { lessons: [{ text: '' }] },
      { lessons: [{ text: 'ok', sources: ['not-a-uuid'] }] },
      { lessons: [{ text: 'ok', sources: Array.from({ length: 21 }, () => randomUUID()) }] },
      { lessons: [{ text: 'ok', source: 'person' }] },
      {},
      { lessons: 'Be brief' },
    ]) {
      const res = await h.call('PUT', `/networks/${networkId}/agents/${contentAgentId}/lessons`, { json: body });
      expect(res.status).toBe(400);
    }
    expect(await counts()).toEqual(before);
  });
});

async function agentId(type: string): Promise<string> {
  const { rows } = await h.t.db.query<{ id: string }>('SELECT id FROM agents WHERE network_id = $1 AND type = $2', [networkId, type]);
  return rows[0]!.id;
}
