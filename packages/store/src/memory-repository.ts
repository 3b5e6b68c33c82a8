import type { MemoryItem, MemoryQuery } from '@mesh/core';
import type { QueryVector } from '@mesh/embeddings';
import { CommonLexemes } from './common-lexemes';
import type { Db } from './db';
import { toMemoryItem, type MemoryRow } from './mappers';
import { dotQuantized, MemoryEmbeddingRepository, type VectorIndexChoice } from './memory-embedding-repository';
import { fuseMemoryRankings, type FusionCandidate } from './memory-fusion';
import type { MemoryCandidate, MemoryCandidateQuery } from './memory-candidate-query';
import { candidateArguments, FEEDBACK_AGENT_TYPE } from './sql/memory-candidates';
import { memoryUpsertSql, type MemorySourceRef, type NewMemory } from './sql/memory-upsert';
import { StatementBatcher } from './statement-batcher';

export type { MemorySourceRef, NewMemory } from './sql/memory-upsert';

/**
 * An OR query over the lexemes of free text: relevance search must match items that share
 * any word, not all of them. Lexemes are already stemmed, so they are matched with 'simple'.
 */
const OR_TSQUERY = (param: string) =>
  // NULL (matches nothing) when the text has no lexemes at all, e.g. only stop words.
  `(SELECT to_tsquery('simple', nullif(array_to_string(ARRAY(
      SELECT quote_literal(l) FROM unnest(tsvector_to_array(to_tsvector('english', left(${param}, 4000)))) AS l LIMIT 64
    ), ' | '), '')))`;

/** Matches ranked by an API relevance search (the newest ones). */
const SEARCH_WINDOW = 2_000;

/** One retrieval of candidates, as the batcher carries it. */
export interface MemoryCandidateRequest {
  tenantId: string;
  networkId: string;
  text: string;
  query: MemoryCandidateQuery;
}

export interface MemoryRepositoryOptions {
  /** The common-lexeme cache; createStore shares one with the task repository. Default: a cache of its own. */
  commonLexemes?: CommonLexemes;
  /** The items' vectors; createStore shares one with `store.memoryEmbeddings`. Default: one of its own. */
  embeddings?: MemoryEmbeddingRepository;
}

/** What a search by meaning needs besides the text: the query's vector and the model's match threshold. */
export interface SemanticQuery {
  vector: QueryVector;
  /** Items less similar than this are no match (the model's `matchSimilarity`). */
  minSimilarity: number;
  index?: VectorIndexChoice;
}

/** A memory listing or search, as the API parses it; `mode` defaults to hybrid. */
export type MemoryListQuery = Omit<MemoryQuery, 'mode'> & { mode?: MemoryQuery['mode'] };

/** How many items of each ranking a hybrid search fuses (at least; more when the limit asks for more). */
const FUSION_DEPTH = 50;

/** Upserted rows, each saying whether it was inserted (false: an existing item was reinforced). */
export type UpsertedMemory = MemoryRow & { inserted: boolean };

export class MemoryRepository {
  private readonly lexemes: CommonLexemes;
  readonly embeddings: MemoryEmbeddingRepository;
  private readonly candidateBatches: StatementBatcher<MemoryCandidateRequest, MemoryCandidate[]>;

  constructor(
    private readonly db: Db,
    options: MemoryRepositoryOptions = {},
  ) {
    this.lexemes = options.commonLexemes ?? new CommonLexemes(db);
    this.embeddings = options.embeddings ?? new MemoryEmbeddingRepository(db);
    // Spread over the free slots: each retrieval costs Postgres real work (see StatementBatcherOptions.spread).
    this.candidateBatches = new StatementBatcher((requests) => this.candidatesMany(requests), { spread: true });
  }

  async add(tenantId: string, networkId: string, item: NewMemory, source: MemorySourceRef = { kind: 'api' }): Promise<{ item: MemoryItem; inserted: boolean }> {
    const [row] = await this.upsertMany(tenantId, networkId, [item], source);
    if (!row) throw new Error('memory upsert returned no row');
    return { item: toMemoryItem(row), inserted: row.inserted };
  }

  /**
   * Inserts items into one network, de-duplicated by normalised content: an item the network has
   * is reinforced instead, unless the same task or subtask brings it again (see memoryUpsertSql).
   */
  async upsertMany(tenantId: string, networkId: string, items: NewMemory[], source: MemorySourceRef): Promise<UpsertedMemory[]> {
    if (items.length === 0) return [];
    const params: unknown[] = [];
    const { rows } = await this.db.query<UpsertedMemory>(memoryUpsertSql(params, tenantId, networkId, items, source), params);
    return rows;
  }

  /**
   * Items of one network: newest first, or, when `query` is given, ranked by its `mode`: full-text
   * relevance (`keyword`), similarity of meaning (`semantic`, needs `semantic`), or both fused with
   * importance and recency (`hybrid`, see fuseMemoryRankings). Without a query vector (the model is
   * not available here) a hybrid search ranks by full text; items not embedded yet are found by
   * full text only.
   */
  async list(tenantId: string, networkId: string, query: MemoryListQuery, semantic: SemanticQuery | null = null): Promise<{ memory: MemoryItem[]; total: number }> {
    const mode = query.mode ?? 'hybrid';
    if (!query.query || mode === 'keyword' || !semantic) {
      if (query.query && mode === 'semantic') return { memory: [], total: 0 };
      return this.listByText(tenantId, networkId, query);
    }
    const depth = Math.max(FUSION_DEPTH, query.limit * 2);
    // Full text through the bounded candidates a prompt's retrieval uses (memory_candidates): the
    // list's own ranking of every match, and its count, cost hundreds of ms at 100,000 items.
    const [byText, near] = await Promise.all([
      mode === 'hybrid' ? this.candidates(tenantId, networkId, query.query, { matches: depth, recent: 0 }) : Promise.resolve([]),
      this.embeddings.nearest(tenantId, networkId, semantic.vector, { limit: depth, minSimilarity: semantic.minSimilarity, ...(semantic.index ? { index: semantic.index } : {}) }),
    ]);
    const matched = byText.filter((c) => c.rank > 0);
    const ids = [...new Set([...near.map((n) => n.id), ...matched.map((c) => c.id)])];
    // The full-text matches' similarities too, where they have a vector (most are below the match
    // threshold): their 8-bit copies come with the items, in the same round trip.
    const { items, quantized } = await this.itemsByIds(tenantId, networkId, ids, query, mode === 'hybrid' ? { model: semantic.vector.model, measured: near.map((n) => n.id) } : null);
    const byMeaning = near.flatMap((n) => {
      const item = items.get(n.id);
      return item ? [{ item, similarity: n.similarity }] : [];
    });
    if (mode === 'semantic') {
      return { memory: byMeaning.slice(0, query.limit).map((m) => ({ ...m.item, relevance: Number(m.similarity.toFixed(6)) })), total: byMeaning.length };
    }
    const similarity = new Map(near.map((n) => [n.id, n.similarity]));
    for (const [id, bytes] of quantized) similarity.set(id, dotQuantized(bytes, semantic.vector.vector));
    const rank = new Map(matched.map((c) => [c.id, c.rank]));
    const candidates: FusionCandidate[] = [...items.values()].map((item) => ({ item, keyword: rank.get(item.id) ?? 0, similarity: similarity.get(item.id) ?? null }));
    const fused = fuseMemoryRankings(candidates, { neutralSimilarity: semantic.minSimilarity });
    // What the search found (within its depth): by full text, by meaning or both.
    return { memory: fused.slice(0, query.limit), total: fused.length };
  }

  /**
   * Items by id, of this network (and type) only; with `vectors`, also the 8-bit copies in that
   * model's space of those not among `measured` (the items found by meaning, whose similarity is known).
   */
  private async itemsByIds(
    tenantId: string,
    networkId: string,
    ids: string[],
    query: MemoryListQuery,
    vectors: { model: string; measured: string[] } | null,
  ): Promise<{ items: Map<string, MemoryItem>; quantized: Map<string, Buffer> }> {
    if (ids.length === 0) return { items: new Map(), quantized: new Map() };
    const { rows } = await this.db.query<MemoryRow & { vector_q: string | null }>(
      `SELECT m.*, encode(e.vector_q, 'base64') AS vector_q FROM memory_items m
       LEFT JOIN memory_embeddings e ON $5::text IS NOT NULL AND e.item_id = m.id AND e.model = $5 AND NOT (m.id = ANY ($6::uuid[]))
       WHERE m.id = ANY ($1::uuid[]) AND m.network_id = $2 AND m.tenant_id = $3 AND ($4::text IS NULL OR m.memory_type = $4)`,
      [ids, networkId, tenantId, query.memory_type ?? null, vectors?.model ?? null, vectors?.measured ?? []],
    );
    const quantized = new Map(rows.flatMap((r) => (r.vector_q ? [[r.id, Buffer.from(r.vector_q, 'base64')] as const] : [])));
    return { items: new Map(rows.map((r) => [r.id, toMemoryItem(r)])), quantized };
  }

  /** Items of one network: newest first, or ranked by full-text relevance when `query` is given. */
  private async listByText(tenantId: string, networkId: string, query: MemoryListQuery): Promise<{ memory: MemoryItem[]; total: number }> {
    const params: unknown[] = [networkId, tenantId, query.memory_type ?? null, query.limit];
    let sql: string;
    let countSql: string;
    if (query.query) {
      params.push(query.query);
      // Ranked among the most recent SEARCH_WINDOW matches: ranking every match of a common word
      // in a large memory would cost seconds.
      sql = `SELECT m.*, ts_rank_cd(m.search, q.query) AS relevance
             FROM ${OR_TSQUERY('$5')} AS q(query), LATERAL (
               SELECT m.* FROM memory_items m
               WHERE m.network_id = $1 AND m.tenant_id = $2 AND ($3::text IS NULL OR m.memory_type = $3) AND m.search @@ q.query
               ORDER BY m.created_at DESC LIMIT ${SEARCH_WINDOW}) m
             ORDER BY relevance DESC, m.importance DESC, m.created_at DESC, m.id LIMIT $4`;
      countSql = `SELECT count(*) FROM memory_items m, ${OR_TSQUERY('$4')} AS q(query)
                  WHERE m.network_id = $1 AND m.tenant_id = $2 AND ($3::text IS NULL OR m.memory_type = $3) AND m.search @@ q.query`;
    } else {
      sql = `SELECT m.* FROM memory_items m
             WHERE m.network_id = $1 AND m.tenant_id = $2 AND ($3::text IS NULL OR m.memory_type = $3)
             ORDER BY m.created_at DESC, m.id LIMIT $4`;
      countSql = `SELECT count(*) FROM memory_items m
                  WHERE m.network_id = $1 AND m.tenant_id = $2 AND ($3::text IS NULL OR m.memory_type = $3)`;
    }
    const countParams = query.query ? [networkId, tenantId, query.memory_type ?? null, query.query] : [networkId, tenantId, query.memory_type ?? null];
    const [{ rows }, total] = await Promise.all([
      this.db.query<MemoryRow>(sql, params),
      this.db.query<{ count: string }>(countSql, countParams),
    ]);
    return { memory: rows.map(toMemoryItem), total: Number(total.rows[0]?.count ?? 0) };
  }

  /**
   * Candidates for a prompt's memory section, from one network only, ranked by full-text relevance
   * to `text`: the most recent matches, the matches of the text's distinctive words and the few
   * newest items (see MemoryCandidateQuery). The set is bounded, so the cost does not grow with
   * memory; the engine scores and cuts it to a token budget. Retrievals asked for while others are
   * in Postgres go together in one statement (see StatementBatcher).
   */
  candidates(tenantId: string, networkId: string, text: string, query: MemoryCandidateQuery): Promise<MemoryCandidate[]> {
    return this.candidateBatches.submit({ tenantId, networkId, text, query });
  }

  /**
   * Candidates for a prompt's memory section by meaning: the items of one network nearest to the
   * query vector (bounded like the full-text ones), each with its similarity and a full-text rank
   * of 0; the engine merges them with `candidates`.
   */
  async semanticCandidates(tenantId: string, networkId: string, semantic: SemanticQuery, limit: number): Promise<MemoryCandidate[]> {
    const near = await this.embeddings.nearest(tenantId, networkId, semantic.vector, { limit, minSimilarity: semantic.minSimilarity, ...(semantic.index ? { index: semantic.index } : {}) });
    if (near.length === 0) return [];
    const { rows } = await this.db.query<Omit<MemoryCandidate, 'created_at' | 'rank' | 'feedback_agent_type'> & { created_ms: number; feedback_agent_type: string | null }>(
      `SELECT m.id, m.tenant_id, m.network_id, m.memory_type, m.content, m.confidence, m.importance, m.token_estimate,
              (extract(epoch FROM m.created_at) * 1000)::float8 AS created_ms, ${FEEDBACK_AGENT_TYPE('m')}
       FROM memory_items m WHERE m.id = ANY ($1::uuid[]) AND m.network_id = $2 AND m.tenant_id = $3`,
      [near.map((n) => n.id), networkId, tenantId],
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    return near.flatMap((n) => {
      const r = byId.get(n.id);
      if (!r) return [];
      const { created_ms, feedback_agent_type, ...rest } = r;
      return [{ ...rest, created_at: new Date(created_ms), rank: 0, similarity: n.similarity, ...(feedback_agent_type ? { feedback_agent_type } : {}) }];
    });
  }

  /** Several retrievals, each confined to its own tenant and network, in one statement. */
  async candidatesMany(requests: MemoryCandidateRequest[]): Promise<MemoryCandidate[][]> {
    const common = await this.lexemes.get();
    const args = requests.map((r) => candidateArguments(r.query));
    // Only the columns a prompt uses, the time as a number: a worker parses tens of candidate rows
    // per subtask, and parsing whole rows and timestamps was a tenth of its CPU at high concurrency.
    const { rows } = await this.db.query<Omit<MemoryCandidate, 'created_at' | 'feedback_agent_type'> & { request: number; created_ms: number; feedback_agent_type: string | null }>(
      `SELECT r.request::int AS request, c.id, c.tenant_id, c.network_id, c.memory_type, c.content, c.confidence, c.importance, c.token_estimate,
              (extract(epoch FROM c.created_at) * 1000)::float8 AS created_ms, c.rank, ${FEEDBACK_AGENT_TYPE('c')}
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::int[], $6::int[]) WITH ORDINALITY AS r(network_id, tenant_id, text, win, recent, lim, request)
       CROSS JOIN LATERAL memory_candidates(r.network_id, r.tenant_id, r.text, r.win, r.win, r.recent, r.lim, $7::text[]) AS c`,
      [
        requests.map((r) => r.networkId),
        requests.map((r) => r.tenantId),
        requests.map((r) => r.text),
        args.map((a) => a.window),
        args.map((a) => a.recent),
        args.map((a) => a.limit),
        common,
      ],
    );
    const results: MemoryCandidate[][] = requests.map(() => []);
    for (const r of rows) {
      results[r.request - 1]!.push({
        id: r.id,
        tenant_id: r.tenant_id,
        network_id: r.network_id,
        memory_type: r.memory_type,
        content: r.content,
        confidence: r.confidence,
        importance: r.importance,
        token_estimate: r.token_estimate,
        created_at: new Date(r.created_ms),
        rank: Number(r.rank),
        ...(r.feedback_agent_type ? { feedback_agent_type: r.feedback_agent_type } : {}),
      });
    }
    return results;
  }
}
