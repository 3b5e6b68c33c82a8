import type { MemoryItem, MemoryQuery } from '@mesh/core';
import { CommonLexemes } from './common-lexemes';
import type { Db } from './db';
import { toMemoryItem, type MemoryRow } from './mappers';
import type { MemoryCandidate, MemoryCandidateQuery } from './memory-candidate-query';
import { candidateArguments } from './sql/memory-candidates';
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
}

/** Upserted rows, each saying whether it was inserted (false: an existing item was reinforced). */
export type UpsertedMemory = MemoryRow & { inserted: boolean };

export class MemoryRepository {
  private readonly lexemes: CommonLexemes;
  private readonly candidateBatches: StatementBatcher<MemoryCandidateRequest, MemoryCandidate[]>;

  constructor(
    private readonly db: Db,
    options: MemoryRepositoryOptions = {},
  ) {
    this.lexemes = options.commonLexemes ?? new CommonLexemes(db);
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

  /** Items of one network: newest first, or ranked by full-text relevance when `query` is given. */
  async list(tenantId: string, networkId: string, query: MemoryQuery): Promise<{ memory: MemoryItem[]; total: number }> {
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

  /** Several retrievals, each confined to its own tenant and network, in one statement. */
  async candidatesMany(requests: MemoryCandidateRequest[]): Promise<MemoryCandidate[][]> {
    const common = await this.lexemes.get();
    const args = requests.map((r) => candidateArguments(r.query));
    // Only the columns a prompt uses, the time as a number: a worker parses tens of candidate rows
    // per subtask, and parsing whole rows and timestamps was a tenth of its CPU at high concurrency.
    const { rows } = await this.db.query<Omit<MemoryCandidate, 'created_at'> & { request: number; created_ms: number }>(
      `SELECT r.request::int AS request, c.id, c.tenant_id, c.network_id, c.memory_type, c.content, c.confidence, c.importance, c.token_estimate,
              (extract(epoch FROM c.created_at) * 1000)::float8 AS created_ms, c.rank
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
      });
    }
    return results;
  }
}
