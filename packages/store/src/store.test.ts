import { createTestEnv, type TestEnv } from '@mesh/testing';
import { CreateNetworkBody, SubmitTaskBody, AddMemoryBody, AgentConfig } from '@mesh/core';
import { migrate, loadMigrations } from './migrate';

let t: TestEnv;
beforeAll(async () => {
  t = await createTestEnv('store');
});
afterAll(async () => {
  await t.cleanup();
});

describe('migrations', () => {
  it('re-running applies nothing and two concurrent runs do not race', async () => {
    expect(await migrate({ url: t.config.database.url, schema: t.schema })).toEqual([]);
    const fresh = `${t.schema}_m`;
    const [a, b] = await Promise.all([migrate({ url: t.config.database.url, schema: fresh }), migrate({ url: t.config.database.url, schema: fresh })]);
    const all = loadMigrations().map((m) => m.version);
    expect([...a, ...b].sort()).toEqual(all.sort());
    await t.db.query(`DROP SCHEMA "${fresh}" CASCADE`);
  });

  it('rejects a schema name that is not a plain identifier', async () => {
    await expect(migrate({ url: t.config.database.url, schema: 'x"; DROP TABLE y; --' })).rejects.toThrow(/Invalid schema name/);
  });
});

describe('networks and agents', () => {
  it('creates the five default agents with one coordinator', async () => {
    const n = await t.store.networks.create('tenant-a', CreateNetworkBody.parse({ name: 'N' }));
    expect(n.agents?.map((a) => a.type)).toEqual(['coordinator', 'content', 'design', 'analytics', 'personalization']);
    const got = await t.store.networks.get('tenant-a', n.id);
    expect(got?.counts.agents).toBe(5);
    expect(await t.store.networks.get('tenant-b', n.id)).toBeNull();
  });

  it('adds a coordinator when custom agents lack one, and refuses a second', async () => {
    const n = await t.store.networks.create('tenant-a', CreateNetworkBody.parse({ name: 'N', agents: [{ name: 'SEO', type: 'seo' }] }));
    expect(n.agents?.map((a) => a.type).sort()).toEqual(['coordinator', 'seo']);
    await expect(t.store.agents.add('tenant-a', n.id, AgentConfig.parse({ name: 'C2', type: 'coordinator' }))).rejects.toMatchObject({ status: 409 });
    const coordinator = n.agents?.find((a) => a.type === 'coordinator');
    await expect(t.store.agents.delete('tenant-a', n.id, coordinator!.id)).rejects.toMatchObject({ status: 409 });
  });
});

describe('memory', () => {
  it('stores the same content once per network and ranks by relevance', async () => {
    const n = await t.store.networks.create('tenant-a', CreateNetworkBody.parse({ name: 'M' }));
    const first = await t.store.memory.add('tenant-a', n.id, AddMemoryBody.parse({ content: 'Developers prefer dark mode emails' }));
    const again = await t.store.memory.add('tenant-a', n.id, AddMemoryBody.parse({ content: '  developers prefer   DARK mode emails ' }));
    expect(first.inserted).toBe(true);
    expect(again.inserted).toBe(false);
    expect(again.item.id).toBe(first.item.id);
    expect(again.item.importance).toBeGreaterThan(first.item.importance);
    await t.store.memory.add('tenant-a', n.id, AddMemoryBody.parse({ content: 'Subject lines under 50 characters perform best' }));
    await t.store.memory.add('tenant-a', n.id, AddMemoryBody.parse({ content: 'Subject lines with the product name and subject keywords: subject matters' }));
    const ranked = await t.store.memory.list('tenant-a', n.id, { query: 'subject lines', limit: 10 });
    expect(ranked.memory.map((m) => m.content)).toEqual([
      'Subject lines with the product name and subject keywords: subject matters',
      'Subject lines under 50 characters perform best',
    ]);
    const other = await t.store.networks.create('tenant-a', CreateNetworkBody.parse({ name: 'M2' }));
    expect((await t.store.memory.list('tenant-a', other.id, { limit: 10 })).total).toBe(0);
    expect((await t.store.memory.list('tenant-b', n.id, { limit: 10 })).total).toBe(0);
  });
});

describe('tasks', () => {
  it('queues a pending task once and computes its deadline', async () => {
    const n = await t.store.networks.create('tenant-a', CreateNetworkBody.parse({ name: 'T', timeout_seconds: 60 }));
    const task = await t.store.tasks.create('tenant-a', n.id, SubmitTaskBody.parse({ task: 'Do it' }));
    expect(task?.status).toBe('pending');
    expect(await t.store.tasks.create('tenant-b', n.id, SubmitTaskBody.parse({ task: 'x' }))).toBeNull();
    const queued = await t.store.tasks.markQueued('tenant-a', task!.id);
    expect(queued?.status).toBe('queued');
    expect(queued!.deadline_at!.getTime() - Date.now()).toBeGreaterThan(50_000);
    expect(await t.store.tasks.markQueued('tenant-a', task!.id)).toBeNull();
    expect(await t.store.tasks.stop('tenant-a', task!.id, 'cancelled', 'cancelled by client')).not.toBeNull();
    expect(await t.store.tasks.stop('tenant-a', task!.id, 'cancelled', 'again')).toBeNull();
  });
});

describe('memory replays', () => {
  it('a replayed write from the same task or subtask does not reinforce; another source does; a stop-word query matches nothing', async () => {
    const n = await t.store.networks.create('tenant-a', CreateNetworkBody.parse({ name: 'R' }));
    const task = await t.store.tasks.create('tenant-a', n.id, SubmitTaskBody.parse({ task: 'x' }));
    const item = { memory_type: 'fact' as const, content: 'Replays are not evidence', confidence: 0.8 };
    const [first] = await t.store.memory.upsertMany('tenant-a', n.id, [item], { kind: 'coordinator', taskId: task!.id });
    const [replay] = await t.store.memory.upsertMany('tenant-a', n.id, [item], { kind: 'coordinator', taskId: task!.id });
    expect(replay!.importance).toBe(first!.importance);
    const [other] = await t.store.memory.upsertMany('tenant-a', n.id, [item], { kind: 'api' });
    expect(other!.importance).toBe(first!.importance + 1);
    expect((await t.store.memory.list('tenant-a', n.id, { query: 'the and of', limit: 10 })).total).toBe(0);
  });
});
