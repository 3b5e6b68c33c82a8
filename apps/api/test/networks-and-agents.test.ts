import { randomUUID } from 'node:crypto';
import { Agent, ErrorBody, Network, NetworkList, type TaskEvent } from '@mesh/core';
import { jobIds } from '@mesh/queue';
import { SEED, startApiHarness, type ApiHarness } from './api-harness';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness('api-networks');
});
afterAll(async () => {
  await h.close();
});

async function createNetwork(body: unknown = SEED.network): Promise<Network> {
  const res = await h.call('POST', '/networks', { json: body });
  expect(res.status).toBe(201);
  return Network.parse(res.body);
}

describe('networks', () => {
  it("creates SEED.md's network with the five default agents, the coordinator typed `coordinator`", async () => {
    const res = await h.call('POST', '/networks', { json: SEED.network });
    expect(res.status).toBe(201);
    const network = Network.parse(res.body);
    expect(network.network_id).toBe(network.id);
    expect(network).toMatchObject({ name: SEED.network.name, description: SEED.network.description, max_iterations: 10, timeout_seconds: 300, status: 'active' });
    expect(network.agents?.map((a) => a.type)).toEqual(['coordinator', 'content', 'design', 'analytics', 'personalization']);
    expect(network.agents?.map((a) => a.name)).toEqual([
      'Coordinator Agent',
      'Content Specialist',
      'Design Specialist',
      'Analytics Specialist',
      'Personalization Specialist',
    ]);
    expect(await h.count('agents', network.id)).toBe(5);
  });

  it('applies defaults and adds a coordinator to custom agents that lack one', async () => {
    const network = await createNetwork({ name: 'Custom', agents: [{ name: 'SEO', type: 'seo' }] });
    expect(network).toMatchObject({ description: '', max_iterations: 10, timeout_seconds: 300 });
    expect(network.agents?.map((a) => a.type).sort()).toEqual(['coordinator', 'seo']);
  });

  it('lists with counts, newest first, paged', async () => {
    const first = await createNetwork({ name: 'List 1' });
    const second = await createNetwork({ name: 'List 2' });
    await h.call('POST', `/networks/${second.id}/tasks`, { json: { task: 'Count me' } });
    await h.call('POST', `/networks/${second.id}/memory`, { json: { content: 'Count me too' } });
    const res = await h.call('GET', '/networks?limit=2');
    expect(res.status).toBe(200);
    const list = NetworkList.parse(res.body);
    expect(list.networks.map((n) => n.id)).toEqual([second.id, first.id]);
    expect(list.networks[0]?.counts).toEqual({ agents: 5, tasks: 1, active_tasks: 0, memory_items: 1 });
    expect(list.total).toBe(await h.count('networks'));
    const next = NetworkList.parse((await h.call('GET', '/networks?limit=2&offset=1')).body);
    expect(next.networks[0]?.id).toBe(first.id);
    const everything = NetworkList.parse((await h.call('GET', '/networks')).body);
    expect(everything.networks).toHaveLength(list.total);
  });

  it('rejects bad list parameters with 400 naming them', async () => {
    for (const query of ['limit=0', 'limit=201', 'offset=-1', 'limit=abc', 'limit=1&limit=2', 'sort=name', '__proto__=1']) {
      const res = await h.call('GET', `/networks?${query}`);
      expect(res.status).toBe(400);
      expect(ErrorBody.parse(res.body).error.code).toBe('validation_error');
      expect(res.body.error.details[0].path).toBe(query.split('=')[0]);
    }
  });

  it('gets one network with its agents; 404 for a missing one, 400 for a malformed id', async () => {
    const network = await createNetwork();
    const res = await h.call('GET', `/networks/${network.id}`);
    expect(res.status).toBe(200);
    expect(Network.parse(res.body).agents).toHaveLength(5);
    const missing = await h.call('GET', `/networks/${randomUUID()}`);
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
    const malformed = await h.call('GET', '/networks/not-a-uuid');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.details).toEqual([expect.objectContaining({ path: 'network_id' })]);
  });

  it('rejects invalid bodies with 400 and the failing paths, writing nothing', async () => {
    const cases: { body: string; path: string }[] = [
      { body: JSON.stringify({ name: 'Bad\u0000name' }), path: 'name' },
      { body: '{"name": "Proto", "__proto__": {"admin": true}}', path: '__proto__' },
      { body: '{"name": "Proto", "shared_context": {"a": {"__proto__": {"admin": true}}}}', path: 'shared_context.a.__proto__' },
      { body: JSON.stringify({ name: 'Zero', max_iterations: 0 }), path: 'max_iterations' },
      { body: JSON.stringify({ name: 'Huge', max_iterations: 1e9 }), path: 'max_iterations' },
      { body: JSON.stringify({ name: 'Negative', timeout_seconds: -5 }), path: 'timeout_seconds' },
      { body: JSON.stringify({ name: 'Float', timeout_seconds: 1.5 }), path: 'timeout_seconds' },
      { body: JSON.stringify({ name: 'Unknown', owner: 'me' }), path: 'owner' },
      { body: JSON.stringify({ name: 'Mass', status: 'active', id: randomUUID() }), path: 'status' },
      { body: JSON.stringify({ name: '' }), path: 'name' },
      { body: JSON.stringify({ name: 'Agents', agents: [{ name: 'A', type: 'SEO Specialist' }] }), path: 'agents.0.type' },
      { body: JSON.stringify({ name: 'Agents', agents: [{ name: 'A', type: 'seo' }, { name: 'B', type: 'seo' }] }), path: 'agents.1.type' },
      { body: JSON.stringify({ name: 'Params', agents: [{ name: 'A', type: 'seo', parameters: { temperature: 9 } }] }), path: 'agents.0.parameters.temperature' },
      { body: JSON.stringify([{ name: 'Array' }]), path: 'body' },
      { body: '{"name": "Big", "max_iterations": 1e400}', path: 'max_iterations' },
    ];
    const before = { networks: await h.count('networks'), agents: await h.count('agents') };
    for (const { body, path } of cases) {
      const res = await h.call('POST', '/networks', { raw: body, headers: { 'content-type': 'application/json' } });
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect(ErrorBody.parse(res.body).error.code).toBe('validation_error');
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
    }
    expect({ networks: await h.count('networks'), agents: await h.count('agents') }).toEqual(before);
  });

  it('deletes a network with its agents, tasks and memory, removes its jobs and wakes waiting clients', async () => {
    const network = await createNetwork();
    const started = await h.call('POST', `/networks/${network.id}/tasks`, { json: { ...SEED.task, process: true } });
    expect(started.status).toBe(201);
    const pending = await h.call('POST', `/networks/${network.id}/tasks`, { json: { task: 'Never started' } });
    await h.call('POST', `/networks/${network.id}/memory`, { json: { content: 'Remember me' } });
    const taskId: string = started.body.id;
    expect(await h.deps.queues.coordinator.getJob(jobIds.step(taskId, 1))).toBeDefined();

    const events: TaskEvent[] = [];
    let cancelled!: () => void;
    const cancelledSeen = new Promise<void>((resolve) => (cancelled = resolve));
    const unsubscribe = await h.deps.events.subscribe(taskId, (event) => {
      events.push(event);
      if (event.type === 'task.status' && event.status === 'cancelled') cancelled();
    });

    const res = await h.call('DELETE', `/networks/${network.id}`);
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    await cancelledSeen;
    await unsubscribe();

    expect(await h.count('networks', network.id)).toBe(0);
    for (const table of ['agents', 'tasks', 'memory_items'] as const) expect(await h.count(table, network.id)).toBe(0);
    expect(await h.deps.queues.coordinator.getJob(jobIds.step(taskId, 1))).toBeUndefined();
    expect(await h.deps.queues.coordinator.getJob(jobIds.deadline(taskId))).toBeUndefined();
    expect((await h.call('GET', `/networks/${network.id}`)).status).toBe(404);
    expect((await h.call('GET', `/networks/${network.id}/tasks/${pending.body.id}`)).status).toBe(404);
    expect((await h.call('DELETE', `/networks/${network.id}`)).status).toBe(404);
    expect((await h.call('DELETE', '/networks/123')).status).toBe(400);
  });
});

describe('agents', () => {
  it("adds SEED.md's SEO agent, lists it, refuses a second of the same type or a second coordinator", async () => {
    const network = await createNetwork();
    const res = await h.call('POST', `/networks/${network.id}/agents`, { json: SEED.seoAgent });
    expect(res.status).toBe(201);
    const agent = Agent.parse(res.body);
    expect(agent).toMatchObject({ agent_id: agent.id, network_id: network.id, ...SEED.seoAgent.agent_config });

    const again = await h.call('POST', `/networks/${network.id}/agents`, { json: SEED.seoAgent });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('conflict');
    const coordinator = await h.call('POST', `/networks/${network.id}/agents`, { json: { agent_config: { name: 'Boss 2', type: 'coordinator' } } });
    expect(coordinator.status).toBe(409);

    const list = await h.call('GET', `/networks/${network.id}/agents`);
    expect(list.status).toBe(200);
    expect(list.body.agents.map((a: Agent) => a.type)).toEqual(['coordinator', 'content', 'design', 'analytics', 'personalization', 'seo']);
  });

  it('accepts any lowercase-slug type and rejects anything else with 400, writing nothing', async () => {
    const network = await createNetwork();
    const ok = await h.call('POST', `/networks/${network.id}/agents`, { json: { agent_config: { name: 'Legal', type: 'legal_review-2' } } });
    expect(ok.status).toBe(201);
    const before = await h.count('agents', network.id);
    const bad: { body: unknown; path: string }[] = [
      { body: { agent_config: { name: 'X', type: 'Legal' } }, path: 'agent_config.type' },
      { body: { agent_config: { name: 'X', type: 'a'.repeat(41) } }, path: 'agent_config.type' },
      { body: { agent_config: { name: 'X', type: 'x', parameters: { temperature: 0.5, max_tokens: 0 } } }, path: 'agent_config.parameters.max_tokens' },
      { body: { agent_config: { name: 'X\u0000', type: 'x' } }, path: 'agent_config.name' },
      { body: { agent_config: { name: 'X', type: 'x', tools: ['shell'] } }, path: 'agent_config.tools.0' },
      { body: { agent_config: { name: 'X', type: 'x', tools: ['search_memory', 'Not A Tool'] } }, path: 'agent_config.tools.1' },
      { body: { name: 'X', type: 'x' }, path: 'agent_config' },
    ];
    for (const { body, path } of bad) {
      const res = await h.call('POST', `/networks/${network.id}/agents`, { json: body });
      expect(res.status).toBe(400);
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
    }
    expect(await h.count('agents', network.id)).toBe(before);
  });

  it('removes an agent (204) but never the coordinator (409); 404 and 400 for missing and malformed ids', async () => {
    const network = await createNetwork();
    const design = network.agents?.find((a) => a.type === 'design');
    const coordinator = network.agents?.find((a) => a.type === 'coordinator');
    const removed = await h.call('DELETE', `/networks/${network.id}/agents/${design?.id}`);
    expect(removed.status).toBe(204);
    expect((await h.call('DELETE', `/networks/${network.id}/agents/${design?.id}`)).status).toBe(404);
    const refused = await h.call('DELETE', `/networks/${network.id}/agents/${coordinator?.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('conflict');
    expect(await h.count('agents', network.id)).toBe(4);
    expect((await h.call('DELETE', `/networks/${network.id}/agents/nope`)).status).toBe(400);
    expect((await h.call('GET', `/networks/${randomUUID()}/agents`)).status).toBe(404);
    expect((await h.call('POST', `/networks/${randomUUID()}/agents`, { json: SEED.seoAgent })).status).toBe(404);
  });
});
