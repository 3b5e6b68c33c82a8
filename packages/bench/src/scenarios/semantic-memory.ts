import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MemorySearchMode } from '@mesh/core';
import { EmbeddingModels, unitVector, USE_LITE_MODEL, UseLiteEmbedder } from '@mesh/embeddings';
import { retrieveRelevantMemory, semanticQuery, type MemoryMeaning } from '@mesh/mesh';
import { createStore, type Store } from '@mesh/store';
import { BENCH_TENANT } from '../bench-env';
import { insertMemory, memoryItem } from '../memory-corpus';
import type { ResultRow } from '../report';
import type { ScenarioOutput, ScenarioRun } from '../scenario-context';
import { distribution, round } from '../stats';

/** The committed labelled set (packages/bench/data/memory-retrieval-set.json). */
interface LabelledSet {
  items: { key: string; memory_type: 'fact' | 'decision' | 'context' | 'feedback'; content: string }[];
  queries: { query: string; kind: 'exact' | 'paraphrase'; answer: string }[];
}

export const SEMANTIC_TARGETS = { hybridRecallAt5: 0.9, p95Ms: 20 } as const;
const MODES: MemorySearchMode[] = ['keyword', 'semantic', 'hybrid'];
/** Corpus items embedded for real at scale; the rest get vectors near one of them (see fillVectors). */
const REAL_SAMPLE = 2_000;

function loadSet(): LabelledSet {
  return JSON.parse(readFileSync(join(__dirname, '..', '..', 'data', 'memory-retrieval-set.json'), 'utf8')) as LabelledSet;
}

/** recall@5 and MRR (over the first 10) of one mode, per query kind and overall. */
async function evaluate(store: Store, meaning: MemoryMeaning, networkId: string, set: LabelledSet, ids: Map<string, string>, mode: MemorySearchMode, index?: 'exact') {
  const hits: Record<'exact' | 'paraphrase', { recall: number[]; rr: number[] }> = { exact: { recall: [], rr: [] }, paraphrase: { recall: [], rr: [] } };
  for (const q of set.queries) {
    const query = mode === 'keyword' ? null : await semanticQuery(meaning, BENCH_TENANT, networkId, q.query);
    const semantic = query && index ? { ...query, index } : query;
    const { memory } = await store.memory.list(BENCH_TENANT, networkId, { query: q.query, mode, limit: 10 }, semantic);
    const rank = memory.findIndex((m) => m.id === ids.get(q.answer));
    hits[q.kind].recall.push(rank >= 0 && rank < 5 ? 1 : 0);
    hits[q.kind].rr.push(rank >= 0 ? 1 / (rank + 1) : 0);
  }
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
  const all = { recall: [...hits.exact.recall, ...hits.paraphrase.recall], rr: [...hits.exact.rr, ...hits.paraphrase.rr] };
  return {
    mode,
    recallAt5: mean(all.recall),
    mrr: mean(all.rr),
    exact: { recallAt5: mean(hits.exact.recall), mrr: mean(hits.exact.rr) },
    paraphrase: { recallAt5: mean(hits.paraphrase.recall), mrr: mean(hits.paraphrase.rr) },
  };
}

/** Share of the exact top 10 that the portable index finds, over `queries`. */
async function indexRecall(store: Store, meaning: MemoryMeaning, networkId: string, queries: string[]): Promise<number> {
  let found = 0;
  let wanted = 0;
  for (const text of queries) {
    const q = await semanticQuery(meaning, BENCH_TENANT, networkId, text);
    if (!q) continue;
    const exact = await store.memoryEmbeddings.nearest(BENCH_TENANT, networkId, q.vector, { limit: 10, index: 'exact' });
    const portable = new Set((await store.memoryEmbeddings.nearest(BENCH_TENANT, networkId, q.vector, { limit: 10, index: 'portable' })).map((n) => n.id));
    wanted += exact.length;
    found += exact.filter((n) => portable.has(n.id)).length;
  }
  return wanted === 0 ? 0 : found / wanted;
}

/**
 * Gives every queued item a vector. Of the corpus items, REAL_SAMPLE distinct ones are embedded
 * for real; every other one gets a vector near one of those (Gaussian noise, similarity about 0.9
 * to it): embedding 100,000 texts on one core takes a quarter of an hour, and what the index's
 * cost depends on is how vectors cluster, which copies near real ones keep.
 */
async function fillVectors(store: Store, embedder: UseLiteEmbedder, labelled: Set<string>): Promise<void> {
  const sampleTexts = Array.from({ length: REAL_SAMPLE }, (_, i) => memoryItem(i).content);
  const sample = await embedder.embed(sampleTexts);
  const real = new Map(sampleTexts.map((t, i) => [t, sample[i]!]));
  let seed = 7;
  const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  for (;;) {
    const done = await store.memoryEmbeddings.embedPending({ models: [USE_LITE_MODEL], defaultModel: USE_LITE_MODEL, batch: 2_000 }, async (_model, texts) => {
      const toEmbed = texts.filter((t) => labelled.has(t) && !real.has(t));
      const embedded = await embedder.embed(toEmbed);
      toEmbed.forEach((t, i) => real.set(t, embedded[i]!));
      return texts.map((t) => real.get(t) ?? unitVector(Array.from(sample[Math.floor(random() * sample.length)]!, (x) => x + gaussian() * 0.02)));
    });
    if (done.length === 0) break;
  }
  // As the embedding job does after its batches: the portable index's lists, learnt from the vectors.
  const { rows } = await store.db.query<{ network_id: string; tenant_id: string; model: string }>('SELECT network_id, tenant_id, model FROM memory_spaces');
  for (const r of rows) await store.memoryEmbeddings.maintainLists(r.tenant_id, r.network_id, r.model);
}

/**
 * Scenario: memory that finds meaning. On the committed labelled set (310 email-marketing items,
 * 120 queries: half in the answers' own terms, half paraphrases that share no content word with
 * them) recall@5 and MRR of keyword, semantic and hybrid search, through the API's own search
 * (MemoryRepository.list with the query's vector); the offline encoder's throughput; the portable
 * index's recall against exact search; then, with the network grown to 100,000 items, the
 * retrieval p95 of a hybrid search and of the engine's prompt retrieval.
 */
export async function semanticMemoryScenario(run: ScenarioRun): Promise<ScenarioOutput> {
  const quick = run.ctx.args.quick;
  const scale = quick ? 10_000 : 100_000;
  const set = loadSet();
  const store = createStore(run.env.db);
  const embedder = new UseLiteEmbedder();
  const embeddings = new EmbeddingModels({ defaultModel: USE_LITE_MODEL, models: [], keys: {}, baseUrls: {}, embedders: [embedder] });
  const meaning: MemoryMeaning = { embeddings, spaces: store.memoryEmbeddings };
  const network = await store.networks.create(BENCH_TENANT, { name: 'Semantic memory bench', description: '', shared_context: {}, max_iterations: 3, timeout_seconds: 60 } as never);
  const networkId = network.id;

  // The labelled set, embedded by the job's own path; the encoder's time alone gives the throughput.
  const stored = await store.memory.upsertMany(BENCH_TENANT, networkId, set.items.map((i) => ({ memory_type: i.memory_type, content: i.content, confidence: 1 })), { kind: 'api' });
  const idByContent = new Map(stored.map((r) => [r.content, r.id]));
  const ids = new Map(set.items.map((i) => [i.key, idByContent.get(i.content)!]));
  await embedder.embed(['warm up']);
  let encodeMs = 0;
  for (;;) {
    const done = await store.memoryEmbeddings.embedPending({ models: [USE_LITE_MODEL], defaultModel: USE_LITE_MODEL, batch: 64 }, async (_m, texts) => {
      const t0 = performance.now();
      const vectors = await embedder.embed(texts);
      encodeMs += performance.now() - t0;
      return vectors;
    });
    if (done.length === 0) break;
  }
  const throughput = set.items.length / (encodeMs / 1000);
  run.ctx.log(`semantic-memory: ${set.items.length} labelled items embedded, ${round(throughput, 1)} items/s`);
  await run.env.db.query('ANALYZE memory_items');

  const quality = [];
  for (const mode of MODES) quality.push(await evaluate(store, meaning, networkId, set, ids, mode));
  const labelledIndexRecall = await indexRecall(store, meaning, networkId, set.queries.map((q) => q.query));

  // Grown to `scale` items: the bench corpus, with vectors (see fillVectors).
  const t0 = Date.now();
  await insertMemory(run.env.db, BENCH_TENANT, networkId, 0, scale - set.items.length);
  await fillVectors(store, embedder, new Set(set.items.map((i) => i.content)));
  await run.env.db.query('ANALYZE memory_items');
  await run.env.db.query('ANALYZE memory_embeddings');
  run.ctx.log(`semantic-memory: grown to ${scale} items with vectors in ${Date.now() - t0} ms`);

  const texts = [...set.queries.map((q) => q.query), ...Array.from({ length: 80 }, (_, i) => memoryItem(scale + i).content.slice(0, 120))];
  const queryEmbedMs: number[] = [];
  for (const text of texts) {
    const started = performance.now();
    await semanticQuery(meaning, BENCH_TENANT, networkId, text);
    queryEmbedMs.push(performance.now() - started);
  }
  // Query vectors are cached now (as a repeated query is): what follows is the search itself.
  const searchMs: number[] = [];
  const retrievalMs: number[] = [];
  const promptTokens: number[] = [];
  for (const text of texts) {
    let started = performance.now();
    const semantic = await semanticQuery(meaning, BENCH_TENANT, networkId, text);
    await store.memory.list(BENCH_TENANT, networkId, { query: text, mode: 'hybrid', limit: 10 }, semantic);
    searchMs.push(performance.now() - started);
    started = performance.now();
    const memory = await retrieveRelevantMemory(store.memory, { tenantId: BENCH_TENANT, networkId, text, tokenBudget: 500, candidates: 50, meaning });
    retrievalMs.push(performance.now() - started);
    promptTokens.push(memory.tokens);
  }
  const scaledIndexRecall = await indexRecall(store, meaning, networkId, texts.slice(0, 60));
  const scaledHybrid = await evaluate(store, meaning, networkId, set, ids, 'hybrid');
  // The same with exact search by meaning: what the data costs at this size, apart from the index.
  const scaledExactHybrid = await evaluate(store, meaning, networkId, set, ids, 'hybrid', 'exact');
  const search = distribution(searchMs);
  const retrieval = distribution(retrievalMs);
  const queryEmbed = distribution(queryEmbedMs);

  const hybrid = quality.find((q) => q.mode === 'hybrid')!;
  const keyword = quality.find((q) => q.mode === 'keyword')!;
  const rows: ResultRow[] = [];
  for (const q of quality) {
    rows.push({ metric: `${q.mode}: recall@5 / MRR (all ${set.queries.length} queries)`, value: `${round(q.recallAt5, 3)} / ${round(q.mrr, 3)}` });
    rows.push({ metric: `${q.mode}: recall@5 / MRR, exact-term | paraphrase`, value: `${round(q.exact.recallAt5, 3)} / ${round(q.exact.mrr, 3)} | ${round(q.paraphrase.recallAt5, 3)} / ${round(q.paraphrase.mrr, 3)}` });
  }
  rows.push({ metric: 'hybrid recall@5 overall', value: round(hybrid.recallAt5, 3), target: `≥ ${SEMANTIC_TARGETS.hybridRecallAt5}`, pass: hybrid.recallAt5 >= SEMANTIC_TARGETS.hybridRecallAt5 });
  rows.push({ metric: 'hybrid recall@5 on exact-term queries vs keyword', value: `${round(hybrid.exact.recallAt5, 3)} vs ${round(keyword.exact.recallAt5, 3)}`, target: '≥ keyword', pass: hybrid.exact.recallAt5 >= keyword.exact.recallAt5 });
  rows.push({ metric: `embedding throughput (${USE_LITE_MODEL}, one core)`, value: round(throughput, 1), unit: 'items/s' });
  rows.push({ metric: 'query embedding (cache miss) p50 / p95', value: `${round(queryEmbed.p50, 1)} / ${round(queryEmbed.p95, 1)}`, unit: 'ms' });
  rows.push({ metric: `portable index recall@10 vs exact (${set.items.length} items | ${scale.toLocaleString('en-US')} items)`, value: `${round(labelledIndexRecall, 3)} | ${round(scaledIndexRecall, 3)}` });
  rows.push({ metric: `hybrid recall@5 with ${scale.toLocaleString('en-US')} items in the network`, value: `${round(scaledHybrid.recallAt5, 3)} (exact ${round(scaledHybrid.exact.recallAt5, 3)}, paraphrase ${round(scaledHybrid.paraphrase.recallAt5, 3)})` });
  rows.push({
    metric: `  the same with exact search by meaning (the portable index's share of the loss is the difference)`,
    value: `${round(scaledExactHybrid.recallAt5, 3)} (exact ${round(scaledExactHybrid.exact.recallAt5, 3)}, paraphrase ${round(scaledExactHybrid.paraphrase.recallAt5, 3)})`,
  });
  rows.push({ metric: `hybrid search p50 / p95 at ${scale.toLocaleString('en-US')} items`, value: `${round(search.p50, 1)} / ${round(search.p95, 1)}`, unit: 'ms', target: `p95 ≤ ${SEMANTIC_TARGETS.p95Ms} ms`, pass: search.p95 <= SEMANTIC_TARGETS.p95Ms });
  rows.push({ metric: `engine prompt retrieval p50 / p95 at ${scale.toLocaleString('en-US')} items`, value: `${round(retrieval.p50, 1)} / ${round(retrieval.p95, 1)}`, unit: 'ms', target: `p95 ≤ ${SEMANTIC_TARGETS.p95Ms} ms`, pass: retrieval.p95 <= SEMANTIC_TARGETS.p95Ms });
  rows.push({ metric: `prompt memory tokens at ${scale.toLocaleString('en-US')} items (mean, max)`, value: `${round(distribution(promptTokens).mean, 0)}, ${Math.max(...promptTokens)}`, unit: 'tokens (budget 500)' });
  return {
    settings: { labelled_items: set.items.length, queries: set.queries.length, scale, real_vectors_at_scale: REAL_SAMPLE + set.items.length, model: USE_LITE_MODEL, index: await store.memoryEmbeddings.index() },
    rows,
    details: { quality, throughput, labelledIndexRecall, scaledIndexRecall, scaledHybrid, scaledExactHybrid, search, retrieval, queryEmbed },
  };
}
