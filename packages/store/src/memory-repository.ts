import { randomUUID } from 'node:crypto';
import type { MemoryItem, MemoryQuery, MemoryType } from '@mesh/core';
import type { Db, Queryable } from './db';
import { toMemoryItem, type MemoryRow } from './mappers';

export interface NewMemory {
  memory_type: MemoryType;
  content: string;
  confidence: number;
  metadata?: Record<string, unknown>;
}

export interface MemorySourceRef {
  kind: 'api' | 'agent' | 'coordinator';
  taskId?: string | null;
  subtaskId?: string | null;
  agentId?: string | null;
}

/**
 * An OR query over the lexemes of free text: relevance search must match items that share
 * any word, not all of them. Lexemes are already stemmed, so they are matched with 'simple'.
 */
export const OR_TSQUERY = (param: string) =>
  // NULL (matches nothing) when the text has no lexemes at all, e.g. only stop words.
  `(SELECT to_tsquery('simple', nullif(array_to_string(ARRAY(
      SELECT quote_literal(l) FROM unnest(tsvector_to_array(to_tsvector('english', left(${param}, 4000)))) AS l LIMIT 64
    ), ' | '), '')))`;

/** An item's identity within its network, as `memory_items.content_hash` computes it, for a content column. */
export const contentHashSql = (content: string) => `md5(lower(regexp_replace(btrim(${content}), '\\s+', ' ', 'g')))`;

/**
 * What an insert does with an item its network already has: reinforce it (importance grows,
 * confidence keeps the higher value) unless the same task or subtask brings it again, which is
 * a replay, not new evidence.
 */
export const MEMORY_REINFORCEMENT = `ON CONFLICT (network_id, content_hash) DO UPDATE
       SET importance = memory_items.importance + CASE
             WHEN memory_items.source_kind = EXCLUDED.source_kind
              AND memory_items.source_task_id IS NOT DISTINCT FROM EXCLUDED.source_task_id
              AND memory_items.source_subtask_id IS NOT DISTINCT FROM EXCLUDED.source_subtask_id
              AND EXCLUDED.source_kind <> 'api'
             THEN 0 ELSE 1 END,
           confidence = GREATEST(memory_items.confidence, EXCLUDED.confidence),
           updated_at = now()`;

/**
 * The statement that inserts memory items, de-duplicated per network by normalised content: a
 * repeated item is not stored twice but reinforced (importance grows, confidence keeps the higher
 * value) — unless it comes again from the same task or subtask, which is a replay, not new
 * evidence. Its values are appended to `params`; `guard`, a SQL condition, lets it run as part of
 * a larger statement (a data-modifying CTE) only when that statement's main change happened.
 */
export function memoryUpsertSql(
  params: unknown[],
  tenantId: string,
  networkId: string,
  items: NewMemory[],
  source: MemorySourceRef,
  guard?: string,
): string {
  const tuples = items.map((item) => {
    const b = params.length;
    params.push(
      randomUUID(),
      tenantId,
      networkId,
      item.memory_type,
      item.content,
      item.confidence,
      JSON.stringify(item.metadata ?? {}),
      source.kind,
      source.taskId ?? null,
      source.subtaskId ?? null,
      source.agentId ?? null,
    );
    return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6}, $${b + 7}, $${b + 8}, $${b + 9}, $${b + 10}, $${b + 11})`;
  });
  // Two identical items in one batch would make ON CONFLICT touch a row twice; keep the first.
  return `INSERT INTO memory_items (id, tenant_id, network_id, memory_type, content, confidence, metadata,
                               source_kind, source_task_id, source_subtask_id, source_agent_id)
     SELECT DISTINCT ON (${contentHashSql('v.content')})
            v.id::uuid, v.tenant_id, v.network_id::uuid, v.memory_type, v.content, v.confidence::real, v.metadata::jsonb,
            v.source_kind, v.source_task_id::uuid, v.source_subtask_id::uuid, v.source_agent_id::uuid
     FROM (VALUES ${tuples.join(', ')}) AS v(id, tenant_id, network_id, memory_type, content, confidence, metadata,
                                           source_kind, source_task_id, source_subtask_id, source_agent_id)
     ${guard ? `WHERE ${guard}` : ''}
     ${MEMORY_REINFORCEMENT}
     RETURNING *, (xmax = 0) AS inserted`;
}

/** Inserts (or reinforces) memory items on their own; see memoryUpsertSql. */
export async function upsertMemories(
  q: Queryable,
  tenantId: string,
  networkId: string,
  items: NewMemory[],
  source: MemorySourceRef,
): Promise<(MemoryRow & { inserted: boolean })[]> {
  if (items.length === 0) return [];
  const params: unknown[] = [];
  const { rows } = await q.query<MemoryRow & { inserted: boolean }>(memoryUpsertSql(params, tenantId, networkId, items, source), params);
  return rows;
}

/** Matches ranked by an API relevance search (the newest ones). */
export const SEARCH_WINDOW = 2_000;

export class MemoryRepository {
  constructor(private readonly db: Db) {}

  async add(tenantId: string, networkId: string, item: NewMemory, source: MemorySourceRef = { kind: 'api' }): Promise<{ item: MemoryItem; inserted: boolean }> {
    const [row] = await upsertMemories(this.db, tenantId, networkId, [item], source);
    if (!row) throw new Error('memory upsert returned no row');
    return { item: toMemoryItem(row), inserted: row.inserted };
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
}
