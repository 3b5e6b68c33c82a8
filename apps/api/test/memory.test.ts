import { randomUUID } from 'node:crypto';
import { MemoryList, MemorySpace } from '@mesh/core';
import { MemoryEmbeddingJob } from '@mesh/mesh';
import { nullLogger } from '@mesh/observability';
import { AddedMemory } from '../src/routes/memory-routes';
import { startApiHarness, type ApiHarness } from './api-harness';

let h: ApiHarness;
let networkId: string;
beforeAll(async () => {
  h = await startApiHarness('api-memory');
  networkId = (await h.call('POST', '/networks', { json: { name: 'Memory' } })).body.id;
});
afterAll(async () => {
  await h.close();
});

const memoryPath = () => `/networks/${networkId}/memory`;

describe('memory', () => {
  it('stores an item (201) and de-duplicates the same content (200, reinforced)', async () => {
    const body = { content: 'Developers open emails on Tuesday mornings', memory_type: 'fact', confidence: 0.7, metadata: { source: 'survey 2024' } };
    const first = await h.call('POST', memoryPath(), { json: body });
    expect(first.status).toBe(201);
    const stored = AddedMemory.parse(first.body);
    expect(stored).toMatchObject({ memory_id: stored.id, network_id: networkId, deduplicated: false, ...body, source: { kind: 'api' } });

    const again = await h.call('POST', memoryPath(), { json: { content: '  developers OPEN emails on   tuesday mornings ', confidence: 0.9 } });
    expect(again.status).toBe(200);
    const reinforced = AddedMemory.parse(again.body);
    expect(reinforced).toMatchObject({ id: stored.id, deduplicated: true, content: body.content });
    expect(reinforced.importance).toBeGreaterThan(stored.importance);
    expect(reinforced.confidence).toBeCloseTo(0.9);
    expect(await h.count('memory_items', networkId)).toBe(1);
  });

  it('defaults memory_type to fact and confidence to 1', async () => {
    const res = await h.call('POST', memoryPath(), { json: { content: 'Plain text beats heavy HTML for B2B' } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ memory_type: 'fact', confidence: 1, metadata: {} });
  });

  it('lists newest first, filters by type, and ranks a query by relevance', async () => {
    const network = (await h.call('POST', '/networks', { json: { name: 'Ranked' } })).body.id;
    const add = (content: string, memory_type = 'fact') => h.call('POST', `/networks/${network}/memory`, { json: { content, memory_type } });
    await add('Subject lines under 50 characters perform best');
    await add('The brand voice is friendly and direct', 'context');
    await add('Subject lines with the product name and subject keywords: subject matters');
    await add('We decided to send the launch email on Tuesday', 'decision');

    const all = MemoryList.parse((await h.call('GET', `/networks/${network}/memory`)).body);
    expect(all.total).toBe(4);
    expect(all.memory[0]?.content).toBe('We decided to send the launch email on Tuesday');

    const decisions = MemoryList.parse((await h.call('GET', `/networks/${network}/memory?memory_type=decision`)).body);
    expect(decisions.memory.map((m) => m.memory_type)).toEqual(['decision']);

    const ranked = MemoryList.parse((await h.call('GET', `/networks/${network}/memory?query=${encodeURIComponent('subject lines')}`)).body);
    expect(ranked.memory.map((m) => m.content)).toEqual([
      'Subject lines with the product name and subject keywords: subject matters',
      'Subject lines under 50 characters perform best',
    ]);
    expect(ranked.total).toBe(2);
    const [top, second] = ranked.memory.map((m) => m.relevance ?? -1);
    expect(top).toBeGreaterThan(second ?? Infinity);

    const limited = MemoryList.parse((await h.call('GET', `/networks/${network}/memory?limit=1`)).body);
    expect(limited.memory).toHaveLength(1);
    expect(limited.total).toBe(4);
  });

  it('rejects bad items and queries with 400, writing nothing', async () => {
    const before = await h.count('memory_items');
    const bad: { body: unknown; path: string }[] = [
      { body: { content: '' }, path: 'content' },
      { body: { content: 'x\u0000y' }, path: 'content' },
      { body: { content: 'x', memory_type: 'rumour' }, path: 'memory_type' },
      { body: { content: 'x', confidence: 1.5 }, path: 'confidence' },
      { body: { content: 'x', confidence: -1 }, path: 'confidence' },
      { body: { content: 'x', metadata: { deep: { nul: 'a\u0000' } } }, path: 'metadata.deep.nul' },
      { body: { content: 'x', importance: 100 }, path: 'importance' },
      { body: { content: 'x'.repeat(10_001) }, path: 'content' },
    ];
    for (const { body, path } of bad) {
      const res = await h.call('POST', memoryPath(), { json: body });
      expect(res.status).toBe(400);
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
    }
    expect(await h.count('memory_items')).toBe(before);
    for (const query of ['memory_type=rumour', 'limit=0', 'limit=201', `query=${'q'.repeat(501)}`, 'query=', 'tenant_id=x']) {
      const res = await h.call('GET', `${memoryPath()}?${query}`);
      expect(res.status).toBe(400);
    }
  });

  it('answers 404 for a missing network and 400 for a malformed one', async () => {
    expect((await h.call('POST', `/networks/${randomUUID()}/memory`, { json: { content: 'x' } })).status).toBe(404);
    expect((await h.call('GET', `/networks/${randomUUID()}/memory`)).status).toBe(404);
    expect((await h.call('GET', '/networks/1/memory')).status).toBe(400);
  });
});

describe('memory by meaning', () => {
  /** The embedding job of the coordinator and worker processes, run here against the API's database. */
  async function embedAll(): Promise<void> {
    const job = new MemoryEmbeddingJob({ memoryEmbeddings: h.deps.store.memoryEmbeddings, embeddings: h.deps.embeddings, logger: nullLogger }, { batch: 32, pollMs: 50 });
    while ((await job.runOnce()).embedded > 0);
  }

  it('finds the docs example by meaning (hybrid by default, semantic too), which keyword search cannot', async () => {
    const network = (await h.call('POST', '/networks', { json: { name: 'Send times' } })).body.id;
    const example = 'Tech professionals open emails most on Tuesday and Wednesday mornings';
    await h.call('POST', `/networks/${network}/memory`, { json: { content: example } });
    await h.call('POST', `/networks/${network}/memory`, { json: { content: 'The brand voice is plain and direct', memory_type: 'decision' } });
    const space = MemorySpace.parse((await h.call('GET', `/networks/${network}/memory/space`)).body);
    expect(space).toEqual({ network_id: network, model: 'local:use-lite', items: 2, embedded: 0, pending: 2, available_models: ['local:use-lite'] });
    await embedAll();
    expect(MemorySpace.parse((await h.call('GET', `/networks/${network}/memory/space`)).body)).toMatchObject({ embedded: 2, pending: 0 });

    const q = encodeURIComponent('best send time');
    const hybrid = MemoryList.parse((await h.call('GET', `/networks/${network}/memory?query=${q}`)).body);
    expect(hybrid.memory[0]?.content).toBe(example);
    expect(hybrid.memory[0]?.relevance).toBeGreaterThan(0);
    const semantic = MemoryList.parse((await h.call('GET', `/networks/${network}/memory?query=${q}&mode=semantic`)).body);
    expect(semantic.memory[0]?.content).toBe(example);
    const keyword = MemoryList.parse((await h.call('GET', `/networks/${network}/memory?query=${q}&mode=keyword`)).body);
    expect(keyword).toEqual({ memory: [], total: 0 });
  }, 60_000);

  it('answers 400 to an unknown mode, an over-long query and an embedding model that is not configured', async () => {
    for (const query of ['query=x&mode=fuzzy', 'mode=', `query=${'q'.repeat(501)}&mode=semantic`]) {
      const res = await h.call('GET', `${memoryPath()}?${query}`);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_error');
    }
    for (const model of ['openai:text-embedding-3-small', 'local:other', '']) {
      const res = await h.call('PUT', `${memoryPath()}/space`, { json: { model } });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_error');
    }
    expect(MemorySpace.parse((await h.call('GET', `${memoryPath()}/space`)).body).model).toBe('local:use-lite');
    // The configured model is accepted (no change: nothing is queued again).
    const same = await h.call('PUT', `${memoryPath()}/space`, { json: { model: 'local:use-lite' } });
    expect(same.status).toBe(200);
    expect((await h.call('PUT', `/networks/${randomUUID()}/memory/space`, { json: { model: 'local:use-lite' } })).status).toBe(404);
  });
});
