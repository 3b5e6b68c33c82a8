/**
 * Memory found by meaning against a real pgvector: PGlite (PostgreSQL 18 in WASM) with its pgvector
 * extension, served over the wire protocol by a child process, so the store talks to it through
 * `pg` as to any Postgres. The migration detects the extension there and chooses HNSW: the shared
 * suite then runs its searches through pgvector, and the tests below check that they really do.
 */
import { unitVector } from '@mesh/embeddings';
import { startPgliteServer } from '@mesh/testing';
import { describeSemanticMemory, DISTRACTORS, EXAMPLE } from './__tests__/semantic-memory-suite';

const suite = describeSemanticMemory({
  name: 'semantic-memory-pgvector',
  database: () => startPgliteServer(),
  approximate: [
    { label: 'the portable index (forced even where pgvector is installed)', index: 'portable', maxSimilarityError: 0.005 },
    // pgvector compares the float32 vectors themselves.
    { label: 'the default search, through pgvector here', index: 'auto', maxSimilarityError: 1e-4 },
  ],
});

/** How many scans the named index of the environment's schema has served so far. */
async function indexScans(index: string): Promise<number> {
  // Statistics reach the views when the backend flushes them: at the end of the next statement, once forced.
  await suite.env.db.query('SELECT pg_stat_force_next_flush()');
  const { rows } = await suite.env.db.query<{ idx_scan: string }>('SELECT idx_scan FROM pg_stat_user_indexes WHERE schemaname = $1 AND indexrelname = $2', [suite.env.schema, index]);
  if (rows.length === 0) throw new Error(`no index ${index} in schema ${suite.env.schema}`);
  return Number(rows[0]!.idx_scan);
}

/**
 * Runs `fn` with sorting made costly and every execution planned afresh (plan_cache_mode), so
 * the planner serves a search from HNSW wherever the statement can use that index. Left alone,
 * it sorts a network's vectors exactly while the network is small, and takes HNSW only for
 * networks far larger than a WASM Postgres fills in a test. PGlite is a single session, so the
 * settings reach the store's statements.
 */
async function preferringIndexes<T>(fn: () => Promise<T>): Promise<T> {
  await suite.env.db.query('SET enable_sort = off');
  await suite.env.db.query('SET plan_cache_mode = force_custom_plan');
  try {
    return await fn();
  } finally {
    await suite.env.db.query('RESET enable_sort');
    await suite.env.db.query('RESET plan_cache_mode');
  }
}

describe('pgvector', () => {
  it('is the index the migration chose, with one HNSW index per vector length', async () => {
    expect(await suite.env.store.memoryEmbeddings.index()).toBe('pgvector');
    const { rows } = await suite.env.db.query<{ indexname: string; indexdef: string }>(
      "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1 AND indexname LIKE 'memory_embeddings_hnsw_%' ORDER BY indexname",
      [suite.env.schema],
    );
    expect(rows.map((r) => r.indexname)).toEqual(['memory_embeddings_hnsw_1536', 'memory_embeddings_hnsw_512', 'memory_embeddings_hnsw_768']);
    expect(rows.every((r) => / USING hnsw /.test(r.indexdef))).toBe(true);
  });

  it('serves the default search of the generated set through HNSW, close to exact search, and a forced portable search without it', async () => {
    const set = await suite.generatedSet();
    const before = await indexScans('memory_embeddings_hnsw_512');
    let found = 0;
    for (let q = 0; q < 40; q++) {
      const exact = await suite.env.store.memoryEmbeddings.nearest('tenant-a', set.networkId, set.query(q), { limit: 10, index: 'exact' });
      const near = await preferringIndexes(() => suite.env.store.memoryEmbeddings.nearest('tenant-a', set.networkId, set.query(q), { limit: 10 }));
      expect(near).toHaveLength(10);
      found += near.filter((n) => exact.some((e) => e.id === n.id)).length;
      for (const n of near) {
        const e = exact.find((x) => x.id === n.id);
        if (e) expect(Math.abs(n.similarity - e.similarity)).toBeLessThan(1e-4);
      }
    }
    expect(found / 400).toBeGreaterThanOrEqual(0.9);
    const afterDefault = await indexScans('memory_embeddings_hnsw_512');
    expect(afterDefault - before).toBe(40);

    await preferringIndexes(async () => {
      for (let q = 0; q < 5; q++) await suite.env.store.memoryEmbeddings.nearest('tenant-a', set.networkId, set.query(q), { limit: 10, index: 'portable' });
    });
    expect(await indexScans('memory_embeddings_hnsw_512')).toBe(afterDefault);
  }, 120_000);

  it("searches each model's vectors through the HNSW index of their length, before and after a model change", async () => {
    // Among others, so that HNSW has to skip what the search must not return.
    const id = await suite.network('Model change, pgvector');
    await suite.env.store.memoryEmbeddings.setSpaceModel('tenant-a', id, 'openai:text-embedding-3-small', suite.embeddings.defaultModel);
    let seed = 7;
    const word = () => Array.from({ length: 7 }, () => String.fromCharCode(97 + ((seed = (seed * 48271) % 2147483647) % 26))).join('');
    const fillers = Array.from({ length: 600 }, () => `${word()} ${word()} ${word()} ${word()}`);
    for (const c of [EXAMPLE, ...DISTRACTORS]) await suite.add('tenant-a', id, c);
    await suite.env.store.memory.upsertMany('tenant-a', id, fillers.map((content) => ({ memory_type: 'fact' as const, content, confidence: 1 })), { kind: 'api' });
    const items = fillers.length + 1 + DISTRACTORS.length;
    for (const { model, dimensions } of [
      { model: 'openai:text-embedding-3-small', dimensions: 1536 },
      { model: 'google:gemini-embedding-001', dimensions: 768 },
    ]) {
      await suite.env.store.memoryEmbeddings.setSpaceModel('tenant-a', id, model, suite.embeddings.defaultModel);
      await suite.embedAll();
      const { rows } = await suite.env.db.query<{ model: string; dimensions: number; count: string }>('SELECT model, dimensions, count(*) FROM memory_embeddings WHERE network_id = $1 GROUP BY model, dimensions', [id]);
      expect(rows.map((r) => ({ model: r.model, dimensions: r.dimensions, count: Number(r.count) }))).toEqual([{ model, dimensions, count: items }]);

      const before = await indexScans(`memory_embeddings_hnsw_${dimensions}`);
      // The fake providers' vectors are bags of words, so the queries share words with their items.
      const [germany, discounts] = await preferringIndexes(async () => [
        await suite.search('tenant-a', id, 'invoices for customers in Germany', 'semantic'),
        await suite.search('tenant-a', id, 'when do discount codes expire', 'semantic'),
      ]);
      expect(germany[0]).toBe('Customers in Germany prefer invoices over card payments');
      expect(discounts[0]).toBe('Discount codes expire forty-eight hours after they are issued');
      expect({ dimensions, scans: (await indexScans(`memory_embeddings_hnsw_${dimensions}`)) - before }).toEqual({ dimensions, scans: 2 });
    }
  }, 120_000);

  it("gives a small network its whole nearest set when HNSW's scan meets only other networks' vectors", async () => {
    // HNSW finds the nearest vectors of the whole table (hnsw.ef_search of them), and the filter
    // by network comes after: a network far from the query among larger ones keeps none of them.
    const set = await suite.generatedSet();
    const small = await suite.network('Small among large, pgvector');
    let seed = 11;
    const next = () => (seed = (seed * 48271) % 2147483647) / 2147483647 - 0.5;
    const vectors = new Map(Array.from({ length: 30 }, (_, i) => [`small network item ${i}`, unitVector(Array.from({ length: 512 }, next))] as const));
    await suite.addWithVectors('tenant-a', small, vectors);
    const query = set.query(3);
    const exact = await suite.env.store.memoryEmbeddings.nearest('tenant-a', small, query, { limit: 10, index: 'exact' });
    expect(exact).toHaveLength(10);
    const before = await indexScans('memory_embeddings_hnsw_512');
    const near = await preferringIndexes(() => suite.env.store.memoryEmbeddings.nearest('tenant-a', small, query, { limit: 10 }));
    expect((await indexScans('memory_embeddings_hnsw_512')) - before).toBe(1);
    // The same ten; where the portable index filled in, its similarities come from the 8-bit copies (so near-ties may swap).
    expect(near.map((n) => n.id).sort()).toEqual(exact.map((e) => e.id).sort());
    for (const n of near) expect(Math.abs(n.similarity - exact.find((e) => e.id === n.id)!.similarity)).toBeLessThan(0.005);
  }, 120_000);

  it("keeps tenants apart through HNSW: another tenant's network gives nothing, its owner finds its items", async () => {
    const theirs = await suite.network('Theirs, pgvector', 'tenant-b');
    await suite.add('tenant-b', theirs, 'Subject lines that ask a question get more opens');
    await suite.embedAll();
    const query = (await suite.embeddings.queryVector('local:use-lite', 'Do question subject lines improve opens?'))!;
    const before = await indexScans('memory_embeddings_hnsw_512');
    await preferringIndexes(async () => {
      expect(await suite.env.store.memoryEmbeddings.nearest('tenant-a', theirs, query, { limit: 10 })).toEqual([]);
      expect(await suite.env.store.memoryEmbeddings.nearest('tenant-b', theirs, query, { limit: 10 })).toHaveLength(1);
    });
    expect((await indexScans('memory_embeddings_hnsw_512')) - before).toBe(2);
  }, 60_000);
});
