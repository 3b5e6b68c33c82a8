/**
 * Memory found by meaning, against a real Postgres and the real encoders: the offline default
 * (Universal Sentence Encoder lite, in process) and provider models through their real SDKs at
 * the fake provider server. The embedding job is the one the processes run. One suite, run
 * against each index the migration can choose: the system Postgres (the portable index, where it
 * has no pgvector) in semantic-memory.test.ts, PGlite with pgvector in semantic-memory-pgvector.test.ts.
 */
import { EmbeddingModels, unitVector, vectorFromBytes, type QueryVector } from '@mesh/embeddings';
import { nullLogger } from '@mesh/observability';
import type { VectorIndexChoice } from '@mesh/store';
import { createTestEnv, startFakeProviderServer, type FakeProviderServer, type TestEnv, type TestEnvOptions } from '@mesh/testing';
import { MemoryEmbeddingJob } from '../memory-embedding-job';
import { semanticQuery, type MemoryMeaning } from '../memory-meaning';

export const EXAMPLE = 'Tech professionals open emails most on Tuesday and Wednesday mornings';
export const DISTRACTORS = [
  'The brand voice is plain, warm and direct',
  'Discount codes expire forty-eight hours after they are issued',
  'Our legal team must approve any claim about pricing',
  'The design system uses a blue and orange palette',
  'Customers in Germany prefer invoices over card payments',
];

/** An index measured against exact search on the generated set, and how far its similarities may be from the exact ones. */
export interface ApproximateIndex {
  label: string;
  index: VectorIndexChoice;
  maxSimilarityError: number;
}

export interface SemanticMemorySuiteOptions {
  /** Names the test environment (its schema and queue prefix). */
  name: string;
  /** The Postgres to run against, started before the environment and stopped after its cleanup; default the system one. */
  database?: () => Promise<{ testEnvOptions: TestEnvOptions; stop(): Promise<void> }>;
  /** The indexes measured against exact search on 4,000 generated clustered vectors. */
  approximate: ApproximateIndex[];
}

/** The generated set: a network of 4,000 items around 80 topics, and queries near those topics. */
export interface GeneratedSet {
  networkId: string;
  query(q: number): QueryVector;
}

/** What the suite set up, for the tests a caller adds beside it (valid once its beforeAll ran). */
export interface SemanticMemoryContext {
  readonly env: TestEnv;
  readonly fake: FakeProviderServer;
  readonly embeddings: EmbeddingModels;
  readonly meaning: MemoryMeaning;
  embedAll(): Promise<number>;
  network(name: string, tenant?: string): Promise<string>;
  add(tenant: string, networkId: string, content: string, memoryType?: 'fact' | 'decision'): Promise<{ id: string; importance: number }>;
  search(tenant: string, networkId: string, query: string, mode?: 'hybrid' | 'semantic' | 'keyword'): Promise<string[]>;
  /** Adds items whose vectors the caller gives (text → vector), embedded at once; anything else waiting gets the model's. */
  addWithVectors(tenant: string, networkId: string, vectors: ReadonlyMap<string, Float32Array>): Promise<void>;
  /** Made on first use, then shared. */
  generatedSet(): Promise<GeneratedSet>;
}

/** A seeded generator, so the generated set is the same every run. */
function random(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function describeSemanticMemory(options: SemanticMemorySuiteOptions): SemanticMemoryContext {
  let database: { testEnvOptions: TestEnvOptions; stop(): Promise<void> } | undefined;
  let fake: FakeProviderServer;
  let env: TestEnv;
  let embeddings: EmbeddingModels;
  let job: MemoryEmbeddingJob;
  let meaning: MemoryMeaning;
  let generated: Promise<GeneratedSet> | undefined;

  beforeAll(async () => {
    database = await options.database?.();
    fake = await startFakeProviderServer();
    env = await createTestEnv(
      options.name,
      {
        OPENAI_API_KEY: 'sk-embed-test',
        OPENAI_BASE_URL: fake.baseUrls.openai,
        GEMINI_API_KEY: 'AIza-embed-test-xxxxxxxxxxxxxxxxxxxx',
        GEMINI_BASE_URL: fake.baseUrls.google,
        MESH_EMBEDDING_MODELS: 'openai:text-embedding-3-small,google:gemini-embedding-001',
      },
      database?.testEnvOptions,
    );
    const { keys, baseUrls } = env.config.llm;
    embeddings = new EmbeddingModels({ defaultModel: env.config.embeddings.defaultModel, models: env.config.embeddings.models, keys, baseUrls });
    job = new MemoryEmbeddingJob({ memoryEmbeddings: env.store.memoryEmbeddings, embeddings, logger: nullLogger }, { batch: 32, pollMs: 50 });
    meaning = { embeddings, spaces: env.store.memoryEmbeddings };
  }, 60_000);

  afterAll(async () => {
    await fake?.close();
    await env?.cleanup();
    await database?.stop();
  });

  /** Runs the embedding job until nothing is queued. */
  async function embedAll(): Promise<number> {
    let total = 0;
    for (;;) {
      const { embedded } = await job.runOnce();
      if (embedded === 0) return total;
      total += embedded;
    }
  }

  async function network(name: string, tenant = 'tenant-a'): Promise<string> {
    return (await env.store.networks.create(tenant, { name, description: '', shared_context: {}, max_iterations: 3, timeout_seconds: 60 } as never)).id;
  }

  async function add(tenant: string, networkId: string, content: string, memory_type: 'fact' | 'decision' = 'fact') {
    return (await env.store.memory.add(tenant, networkId, { memory_type, content, confidence: 0.9 })).item;
  }

  async function addWithVectors(tenant: string, networkId: string, vectors: ReadonlyMap<string, Float32Array>): Promise<void> {
    const contents = [...vectors.keys()];
    for (let i = 0; i < contents.length; i += 500) {
      await env.store.memory.upsertMany(tenant, networkId, contents.slice(i, i + 500).map((content) => ({ memory_type: 'fact' as const, content, confidence: 1 })), { kind: 'api' });
    }
    for (;;) {
      const done = await env.store.memoryEmbeddings.embedPending({ models: embeddings.names(), defaultModel: embeddings.defaultModel, batch: 1000 }, async (model, texts) => {
        const others = texts.filter((t) => !vectors.has(t));
        const embedded = new Map((await embeddings.get(model).embed(others)).map((v, i) => [others[i]!, v]));
        return texts.map((t) => vectors.get(t) ?? embedded.get(t)!);
      });
      if (done.length === 0) break;
    }
  }

  async function search(tenant: string, networkId: string, query: string, mode: 'hybrid' | 'semantic' | 'keyword' = 'hybrid') {
    const semantic = mode === 'keyword' ? null : await semanticQuery(meaning, tenant, networkId, query);
    return (await env.store.memory.list(tenant, networkId, { query, mode, limit: 10 }, semantic)).memory.map((m) => m.content);
  }

  async function makeGeneratedSet(): Promise<GeneratedSet> {
    const next = random(42);
    const gaussian = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
    const unit = (v: number[]) => {
      const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
      return Float32Array.from(v, (x) => x / n);
    };
    // Topics, and items around them at similarities like sentence embeddings' (about 0.5 to 0.8 within a topic).
    const topics = Array.from({ length: 80 }, () => Array.from({ length: 512 }, gaussian));
    const around = (topic: number[], spread: number) => unit(topic.map((x) => x + spread * gaussian()));
    const networkId = await network('Generated');
    const vectors = new Map(Array.from({ length: 4_000 }, (_, i) => [`generated item ${i}`, around(topics[i % topics.length]!, 0.6 + next() * 0.8)] as const));
    await addWithVectors('tenant-a', networkId, vectors);
    // The queries are drawn in order once, so every caller sees the same ones.
    const queries = Array.from({ length: 40 }, (_, q) => ({ model: 'local:use-lite', vector: around(topics[(q * 7) % topics.length]!, 0.9) }));
    return { networkId, query: (q) => queries[q % queries.length]! };
  }

  describe('semantic and hybrid search', () => {
    it('finds the docs example by meaning, which full text cannot', async () => {
      const id = await network('Send times');
      await add('tenant-a', id, EXAMPLE);
      for (const d of DISTRACTORS) await add('tenant-a', id, d);
      // Not embedded yet: a hybrid search still answers, by full text (which finds nothing here).
      expect(await search('tenant-a', id, 'best send time')).toEqual([]);
      expect(await embedAll()).toBe(DISTRACTORS.length + 1);

      expect(await search('tenant-a', id, 'best send time', 'keyword')).toEqual([]);
      expect((await search('tenant-a', id, 'best send time', 'semantic'))[0]).toBe(EXAMPLE);
      expect((await search('tenant-a', id, 'best send time'))[0]).toBe(EXAMPLE);
      // An exact-term query still ranks its match first in hybrid.
      expect((await search('tenant-a', id, 'invoices Germany'))[0]).toBe('Customers in Germany prefer invoices over card payments');
    }, 60_000);

    it('merges a near-duplicate into the item it repeats, and keeps merely related items apart', async () => {
      const id = await network('Duplicates');
      const first = await add('tenant-a', id, 'Send the weekly newsletter on Tuesday mornings');
      await embedAll();
      await add('tenant-a', id, 'Send the weekly newsletter on Tuesday mornings!!');
      await add('tenant-a', id, 'Unsubscribe rates rise when we send more than three promotions a week');
      await embedAll();
      const { memory } = await env.store.memory.list('tenant-a', id, { limit: 10, mode: 'hybrid' });
      expect(memory.map((m) => m.content).sort()).toEqual(['Send the weekly newsletter on Tuesday mornings', 'Unsubscribe rates rise when we send more than three promotions a week']);
      expect(memory.find((m) => m.id === first.id)!.importance).toBe(first.importance + 1);
    }, 60_000);

    it('keeps tenants and networks apart: identical items elsewhere are never found', async () => {
      const mine = await network('Mine', 'tenant-a');
      const theirs = await network('Theirs', 'tenant-b');
      await add('tenant-a', mine, 'Subject lines that ask a question get more opens');
      await add('tenant-b', theirs, 'Subject lines that ask a question get more opens');
      await add('tenant-b', theirs, 'Questions in subject lines raise open rates for tenant B');
      await embedAll();
      const ownIds = new Set((await env.store.memory.list('tenant-a', mine, { limit: 50, mode: 'hybrid' })).memory.map((m) => m.id));
      const query = await semanticQuery(meaning, 'tenant-a', mine, 'Do question subject lines improve opens?');
      const found = await env.store.memory.list('tenant-a', mine, { query: 'Do question subject lines improve opens?', mode: 'semantic', limit: 50 }, query);
      expect(found.memory.length).toBe(1);
      expect(found.memory.every((m) => ownIds.has(m.id))).toBe(true);
      // The owner finds its items there; tenant A naming tenant B's network gets nothing, whatever the index.
      for (const index of ['auto', 'portable', 'exact'] as const) {
        expect(await env.store.memoryEmbeddings.nearest('tenant-b', theirs, query!.vector, { limit: 50, index })).toHaveLength(2);
        expect(await env.store.memoryEmbeddings.nearest('tenant-a', theirs, query!.vector, { limit: 50, index })).toEqual([]);
      }
    }, 60_000);
  });

  describe('re-embedding after a model change', () => {
    it('re-embeds every item with the new model through the provider SDKs; full text serves meanwhile', async () => {
      const id = await network('Model change');
      const contents = [EXAMPLE, ...DISTRACTORS];
      for (const c of contents) await add('tenant-a', id, c);
      await embedAll();
      expect(await env.store.memoryEmbeddings.spaceStatus('tenant-a', id, embeddings.defaultModel)).toEqual({ model: 'local:use-lite', items: 6, embedded: 6, pending: 0 });

      expect(await env.store.memoryEmbeddings.setSpaceModel('tenant-a', id, 'openai:text-embedding-3-small', embeddings.defaultModel)).toEqual({ changed: true });
      expect(await env.store.memoryEmbeddings.spaceStatus('tenant-a', id, embeddings.defaultModel)).toEqual({ model: 'openai:text-embedding-3-small', items: 6, embedded: 0, pending: 6 });
      // Before the job runs: no vector in the new space, and full text still finds what it can.
      expect(await search('tenant-a', id, 'Germany invoices', 'semantic')).toEqual([]);
      expect(await search('tenant-a', id, 'Germany invoices')).toEqual(['Customers in Germany prefer invoices over card payments']);

      await embedAll();
      expect(await env.store.memoryEmbeddings.spaceStatus('tenant-a', id, embeddings.defaultModel)).toEqual({ model: 'openai:text-embedding-3-small', items: 6, embedded: 6, pending: 0 });
      const openaiCalls = fake.embeddingRequests.filter((r) => r.provider === 'openai' && r.status === 200);
      // Every item once, and the one query searched by meaning meanwhile.
      expect(openaiCalls.flatMap((r) => r.inputs).sort()).toEqual([...contents, 'Germany invoices'].sort());
      expect(openaiCalls.every((r) => r.model === 'text-embedding-3-small')).toBe(true);
      expect((await search('tenant-a', id, 'invoices for customers in Germany', 'semantic'))[0]).toBe('Customers in Germany prefer invoices over card payments');

      // Setting the same model again changes nothing; Gemini next, through batchEmbedContents.
      expect(await env.store.memoryEmbeddings.setSpaceModel('tenant-a', id, 'openai:text-embedding-3-small', embeddings.defaultModel)).toEqual({ changed: false });
      await env.store.memoryEmbeddings.setSpaceModel('tenant-a', id, 'google:gemini-embedding-001', embeddings.defaultModel);
      await embedAll();
      expect(await env.store.memoryEmbeddings.spaceStatus('tenant-a', id, embeddings.defaultModel)).toMatchObject({ model: 'google:gemini-embedding-001', embedded: 6, pending: 0 });
      const googleInputs = fake.embeddingRequests.filter((r) => r.provider === 'google' && r.status === 200).flatMap((r) => r.inputs);
      expect(googleInputs.filter((t) => contents.includes(t)).sort()).toEqual([...contents].sort());
      expect((await search('tenant-a', id, 'invoices for customers in Germany', 'semantic'))[0]).toBe('Customers in Germany prefer invoices over card payments');
    }, 60_000);
  });

  describe('approximate indexes against exact search', () => {
    it(`find at least 90 % of the exact top 10 on a generated set of 4,000 clustered vectors: ${options.approximate.map((a) => a.label).join(', ')}`, async () => {
      const set = await context.generatedSet();
      // The lists are learnt once the space is big enough, and not again until it has doubled.
      expect(await env.store.memoryEmbeddings.maintainLists('tenant-a', set.networkId, 'local:use-lite')).toBe(true);
      expect(await env.store.memoryEmbeddings.maintainLists('tenant-a', set.networkId, 'local:use-lite')).toBe(false);
      for (const approximate of options.approximate) {
        let found = 0;
        let wanted = 0;
        for (let q = 0; q < 40; q++) {
          const query = set.query(q);
          const exact = await env.store.memoryEmbeddings.nearest('tenant-a', set.networkId, query, { limit: 10, index: 'exact' });
          const near = await env.store.memoryEmbeddings.nearest('tenant-a', set.networkId, query, { limit: 10, index: approximate.index });
          const truth = new Set(exact.map((n) => n.id));
          wanted += truth.size;
          found += near.filter((n) => truth.has(n.id)).length;
          // Where it overlaps, the index's similarity is the exact one to within its error (the portable index's, from the 8-bit copies: 0.005).
          for (const n of near) if (truth.has(n.id)) expect(Math.abs(n.similarity - exact.find((e) => e.id === n.id)!.similarity)).toBeLessThan(approximate.maxSimilarityError);
        }
        expect(wanted).toBe(400);
        expect(found / wanted).toBeGreaterThanOrEqual(0.9);
      }
    }, 120_000);

    it('keeps to a minimum similarity through the lists: the same items as exact search above it, and none when nothing is that near', async () => {
      const set = await context.generatedSet();
      await env.store.memoryEmbeddings.maintainLists('tenant-a', set.networkId, 'local:use-lite');
      for (const minSimilarity of [0.5, 0.9]) {
        for (let q = 0; q < 10; q++) {
          const query = set.query(q);
          const exact = await env.store.memoryEmbeddings.nearest('tenant-a', set.networkId, query, { limit: 10, minSimilarity, index: 'exact' });
          const portable = await env.store.memoryEmbeddings.nearest('tenant-a', set.networkId, query, { limit: 10, minSimilarity, index: 'portable' });
          expect(portable.every((n) => n.similarity >= minSimilarity)).toBe(true);
          // The generated queries are near their topics' items (about 0.5 to 0.7) and near no single one at 0.9.
          if (minSimilarity === 0.9) expect(exact).toEqual([]);
          else expect(exact.length).toBeGreaterThan(0);
          const truth = new Set(exact.map((n) => n.id));
          expect(portable.filter((n) => truth.has(n.id)).length).toBeGreaterThanOrEqual(Math.floor(exact.length * 0.9));
        }
      }
      // An item's own vector, barely moved, finds that item at 0.9 and more.
      const [someItem] = await env.store.memoryEmbeddings.nearest('tenant-a', set.networkId, set.query(0), { limit: 1, index: 'exact' });
      const { rows } = await env.db.query<{ vector: Buffer }>('SELECT vector FROM memory_embeddings WHERE item_id = $1', [someItem!.id]);
      const own = vectorFromBytes(rows[0]!.vector);
      const nudged = unitVector(Array.from(own, (x, i) => x + (i % 2 === 0 ? 0.005 : -0.005)));
      const found = await env.store.memoryEmbeddings.nearest('tenant-a', set.networkId, { model: 'local:use-lite', vector: nudged }, { limit: 1, minSimilarity: 0.9, index: 'portable' });
      expect(found.map((n) => n.id)).toEqual([someItem!.id]);
    }, 120_000);
  });

  const context: SemanticMemoryContext = {
    get env() {
      return env;
    },
    get fake() {
      return fake;
    },
    get embeddings() {
      return embeddings;
    },
    get meaning() {
      return meaning;
    },
    embedAll,
    network,
    add,
    search,
    addWithVectors,
    generatedSet() {
      generated ??= makeGeneratedSet();
      return generated;
    },
  };
  return context;
}
