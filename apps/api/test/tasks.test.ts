import { randomUUID } from 'node:crypto';
import { ErrorBody, Task, TaskList, type TaskEvent } from '@mesh/core';
import { jobIds } from '@mesh/queue';
import type { Job } from 'bullmq';
import { SEED, startApiHarness, type ApiHarness } from './api-harness';

let h: ApiHarness;
let networkId: string;
beforeAll(async () => {
  h = await startApiHarness('api-tasks');
  networkId = (await h.call('POST', '/networks', { json: SEED.network })).body.id;
});
afterAll(async () => {
  await h.close();
});

const tasksPath = () => `/networks/${networkId}/tasks`;

async function submit(body: unknown = SEED.task): Promise<Task> {
  const res = await h.call('POST', tasksPath(), { json: body });
  expect(res.status).toBe(201);
  return Task.parse(res.body);
}

/** Every job of the coordinator queue about this task, in any state. */
async function coordinatorJobs(taskId: string): Promise<Job[]> {
  const jobs = await h.deps.queues.coordinator.getJobs(['waiting', 'prioritized', 'delayed', 'active', 'waiting-children']);
  return jobs.filter((job) => job.data.taskId === taskId);
}

/** Resolves with the first `task.status` event of this status published for the task. */
async function nextStatusEvent(taskId: string, status: string): Promise<{ seen: Promise<TaskEvent>; stop: () => Promise<void> }> {
  let resolve!: (event: TaskEvent) => void;
  const seen = new Promise<TaskEvent>((r) => (resolve = r));
  const stop = await h.deps.events.subscribe(taskId, (event) => {
    if (event.type === 'task.status' && event.status === status) resolve(event);
  });
  return { seen, stop };
}

describe('submit', () => {
  it("stores SEED.md's task as pending and enqueues nothing", async () => {
    const task = await submit();
    expect(task).toMatchObject({ task_id: task.id, network_id: networkId, status: 'pending', priority: 1, iterations: 0, max_iterations: 10 });
    expect(task.context).toEqual(SEED.task.context);
    expect(await coordinatorJobs(task.id)).toHaveLength(0);
  });

  it('starts at once with "process": true: queued, its first coordinator step enqueued', async () => {
    const task = await submit({ ...SEED.task, process: true });
    expect(task.status).toBe('queued');
    expect(task.deadline_at).not.toBeNull();
    const jobs = await coordinatorJobs(task.id);
    expect(jobs.map((j) => j.name).sort()).toEqual(['deadline', 'step']);
    // The W3C context of the submitting request travels with the job (ids only, as baggage); the task shows its trace id.
    expect(task.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(jobs.find((j) => j.name === 'step')?.data).toEqual({
      tenantId: 'tenant-a',
      taskId: task.id,
      iteration: 1,
      trace: { traceparent: expect.stringMatching(new RegExp(`^00-${task.trace_id}-[0-9a-f]{16}-01$`)), baggage: `mesh.task_id=${task.id},mesh.network_id=${networkId}` },
    });
  });

  it('rejects bad bodies with 400 and the failing paths, writing nothing', async () => {
    const before = await h.count('tasks');
    const cases: { body: string; path: string }[] = [
      { body: JSON.stringify({ task: 'Nul\u0000byte' }), path: 'task' },
      { body: JSON.stringify({ task: 'Ctx', context: { note: 'nul\u0000' } }), path: 'context.note' },
      { body: '{"task": "Proto", "context": {"__proto__": {"polluted": true}}}', path: 'context.__proto__' },
      { body: '{"task": "Proto", "__proto__": {"polluted": true}}', path: '__proto__' },
      { body: JSON.stringify({ task: 'Priority', priority: 0 }), path: 'priority' },
      { body: JSON.stringify({ task: 'Priority', priority: 1e9 }), path: 'priority' },
      { body: JSON.stringify({ task: 'Mass', status: 'completed' }), path: 'status' },
      { body: JSON.stringify({ task: 'Deadline', deadline: 'tomorrow' }), path: 'deadline' },
      { body: JSON.stringify({ task: 'Callback', callback_url: 'http://example.com/\u0000' }), path: 'callback_url' },
      { body: JSON.stringify({ task: '' }), path: 'task' },
      { body: JSON.stringify({ context: {} }), path: 'task' },
      { body: JSON.stringify({ task: 'Process', process: 'yes' }), path: 'process' },
    ];
    for (const { body, path } of cases) {
      const res = await h.call('POST', tasksPath(), { raw: body, headers: { 'content-type': 'application/json' } });
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
    }
    expect(await h.count('tasks')).toBe(before);
    const wait = await h.call('POST', `${tasksPath()}?wait=121`, { json: { task: 'Wait too long', process: true } });
    expect(wait.status).toBe(400);
    expect(wait.body.error.details[0].path).toBe('wait');
    expect(await h.count('tasks')).toBe(before);
  });

  it('answers 404 for a missing network and 400 for a malformed one', async () => {
    expect((await h.call('POST', `/networks/${randomUUID()}/tasks`, { json: SEED.task })).status).toBe(404);
    expect((await h.call('POST', '/networks/xyz/tasks', { json: SEED.task })).status).toBe(400);
  });
});

describe('process', () => {
  it('queues a pending task with 202; a second call changes nothing: 202, same status, one step job', async () => {
    const task = await submit();
    // SEED.md's curl: no body, no content type.
    const first = await h.call('POST', `${tasksPath()}/${task.id}/process`);
    expect(first.status).toBe(202);
    expect(Task.parse(first.body)).toMatchObject({ id: task.id, status: 'queued' });
    const second = await h.call('POST', `${tasksPath()}/${task.id}/process`);
    expect(second.status).toBe(202);
    expect(second.body.status).toBe('queued');
    expect(second.body.deadline_at).toBe(first.body.deadline_at);
    const steps = (await coordinatorJobs(task.id)).filter((j) => j.name === 'step');
    expect(steps.map((j) => j.id)).toEqual([jobIds.step(task.id, 1)]);
    expect(await h.deps.queues.coordinator.getJob(jobIds.step(task.id, 1))).toBeDefined();
  });

  it('accepts an empty JSON object, refuses a non-JSON body (415) and any field (400)', async () => {
    const task = await submit();
    const path = `${tasksPath()}/${task.id}/process`;
    expect((await h.call('POST', path, { raw: 'go', headers: { 'content-type': 'text/plain' } })).status).toBe(415);
    expect((await h.call('POST', path, { json: { priority: 1 } })).status).toBe(400);
    expect(await coordinatorJobs(task.id)).toHaveLength(0);
    expect((await h.call('POST', path, { json: {} })).status).toBe(202);
  });

  it('with ?wait holds the answer until the task ends, then answers 200', async () => {
    const task = await submit();
    const queued = await nextStatusEvent(task.id, 'queued');
    const waiting = h.call('POST', `${tasksPath()}/${task.id}/process?wait=60`);
    await queued.seen;
    await queued.stop();
    expect((await h.call('POST', `${tasksPath()}/${task.id}/cancel`)).status).toBe(200);
    const res = await waiting;
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('cancelled');
  });

  it('answers 202 with the current status for an ended task, enqueuing nothing', async () => {
    const task = await submit();
    await h.call('POST', `${tasksPath()}/${task.id}/cancel`);
    const res = await h.call('POST', `${tasksPath()}/${task.id}/process`);
    expect(res.status).toBe(202);
    expect(res.body.status).toBe('cancelled');
    expect(await coordinatorJobs(task.id)).toHaveLength(0);
  });

  it('answers 404 for a missing task or one of another network, 400 for malformed ids', async () => {
    const other = (await h.call('POST', '/networks', { json: { name: 'Other' } })).body.id;
    const task = await submit();
    expect((await h.call('POST', `/networks/${other}/tasks/${task.id}/process`)).status).toBe(404);
    expect((await h.call('POST', `${tasksPath()}/${randomUUID()}/process`)).status).toBe(404);
    expect((await h.call('POST', `${tasksPath()}/bad/process`)).status).toBe(400);
    expect((await h.call('GET', `/networks/${other}/tasks/${task.id}`)).status).toBe(404);
    expect((await h.call('POST', `/networks/${other}/tasks/${task.id}/cancel`)).status).toBe(404);
    expect((await h.call('GET', `${tasksPath()}/${task.id}`)).body.status).toBe('pending');
  });
});

describe('get, list, cancel', () => {
  it('gets a task with its subtasks and usage; ?wait on an unfinished task answers with its status when the time is up', async () => {
    const task = await submit();
    const res = await h.call('GET', `${tasksPath()}/${task.id}`);
    expect(res.status).toBe(200);
    expect(Task.parse(res.body)).toMatchObject({ id: task.id, subtasks: [], usage: { input_tokens: 0, output_tokens: 0, cost_usd: 0, llm_calls: 0 } });
    const waited = await h.call('GET', `${tasksPath()}/${task.id}?wait=0.2`);
    expect(waited.status).toBe(200);
    expect(waited.body.status).toBe('pending');
    expect((await h.call('GET', `${tasksPath()}/${task.id}?wait=-1`)).status).toBe(400);
    expect((await h.call('GET', `${tasksPath()}/${randomUUID()}`)).status).toBe(404);
  });

  it('lists newest first, filtered by status, paged', async () => {
    const network = (await h.call('POST', '/networks', { json: { name: 'Listing' } })).body.id;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await h.call('POST', `/networks/${network}/tasks`, { json: { task: `Task ${i}`, process: i === 1 } })).body.id);
    const res = await h.call('GET', `/networks/${network}/tasks`);
    expect(res.status).toBe(200);
    const list = TaskList.parse(res.body);
    expect(list.tasks.map((t) => t.id)).toEqual([...ids].reverse());
    expect(list).toMatchObject({ total: 3, limit: 20, offset: 0 });
    const queued = TaskList.parse((await h.call('GET', `/networks/${network}/tasks?status=queued`)).body);
    expect(queued.tasks.map((t) => t.id)).toEqual([ids[1]]);
    expect(queued.total).toBe(1);
    const page = TaskList.parse((await h.call('GET', `/networks/${network}/tasks?limit=1&offset=1`)).body);
    expect(page).toMatchObject({ total: 3, limit: 1, offset: 1 });
    expect(page.tasks.map((t) => t.id)).toEqual([ids[1]]);
    for (const query of ['status=done', 'limit=0', 'limit=500', 'offset=-2', 'cursor=abc']) {
      const bad = await h.call('GET', `/networks/${network}/tasks?${query}`);
      expect(bad.status).toBe(400);
      expect(ErrorBody.parse(bad.body).error.details).toEqual([expect.objectContaining({ path: query.split('=')[0] })]);
    }
    expect((await h.call('GET', `/networks/${randomUUID()}/tasks`)).status).toBe(404);
  });

  it('cancels a queued task (200), removing its waiting jobs; a second cancel is 409', async () => {
    const task = await submit({ task: 'Cancel me', process: true });
    expect((await coordinatorJobs(task.id)).length).toBe(2);
    const res = await h.call('POST', `${tasksPath()}/${task.id}/cancel`);
    expect(res.status).toBe(200);
    expect(Task.parse(res.body)).toMatchObject({ id: task.id, status: 'cancelled', error: 'cancelled by client' });
    expect(await coordinatorJobs(task.id)).toHaveLength(0);
    const again = await h.call('POST', `${tasksPath()}/${task.id}/cancel`);
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'conflict', details: { status: 'cancelled' } });
  });

  it('cancels a pending task too', async () => {
    const task = await submit();
    const res = await h.call('POST', `${tasksPath()}/${task.id}/cancel`, { raw: '', headers: { 'content-type': 'text/plain' } });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('cancelled');
  });
});

describe('per-tenant queued-task cap', () => {
  it('answers 429 with Retry-After once the tenant has the maximum queued, and changes nothing', async () => {
    const capped = await h.startVariant({ config: { ...h.deps.config, limits: { ...h.deps.config.limits, maxQueuedTasksPerTenant: 1 } } });
    // Tenants of their own (keys stored hashed in api_keys), so other tests' queued tasks do not count.
    const { key } = await h.deps.store.apiKeys.create('tenant-capped');
    const { key: otherKey } = await h.deps.store.apiKeys.create('tenant-uncapped');
    try {
      const network = (await capped.call('POST', '/networks', { key, json: { name: 'Capped' } })).body.id;
      const pendingTask = (await capped.call('POST', `/networks/${network}/tasks`, { key, json: { task: 'Later' } })).body.id;
      expect((await capped.call('POST', `/networks/${network}/tasks`, { key, json: { task: 'First', process: true } })).status).toBe(201);
      const before = await h.count('tasks', network);
      const refused = await capped.call('POST', `/networks/${network}/tasks`, { key, json: { task: 'One too many', process: true } });
      expect(refused.status).toBe(429);
      expect(refused.body.error.code).toBe('rate_limited');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await h.count('tasks', network)).toBe(before);
      const process = await capped.call('POST', `/networks/${network}/tasks/${pendingTask}/process`, { key });
      expect(process.status).toBe(429);
      expect((await capped.call('GET', `/networks/${network}/tasks/${pendingTask}`, { key })).body.status).toBe('pending');
      expect(await coordinatorJobs(pendingTask)).toHaveLength(0);
      const otherNetwork = (await capped.call('POST', '/networks', { key: otherKey, json: { name: 'Other tenant' } })).body.id;
      const other = await capped.call('POST', `/networks/${otherNetwork}/tasks`, { key: otherKey, json: { task: 'Mine', process: true } });
      expect(other.status).toBe(201);
    } finally {
      await capped.close();
    }
  });
});
