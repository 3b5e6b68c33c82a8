import type { Db } from './db';
import type { MemoryRow } from './mappers';
import { OR_TSQUERY } from './memory-repository';

export interface MemoryCandidate extends MemoryRow {
  /** Full-text rank against the query text; 0 for items included for recency only. */
  rank: number;
}

/**
 * Candidates for a prompt's memory section, from one network only: the best full-text matches
 * for `text` plus the few newest items (recent decisions often matter without sharing words).
 * The caller scores and cuts them to a token budget.
 */
export async function findMemoryCandidates(
  db: Db,
  tenantId: string,
  networkId: string,
  text: string,
  options: { matches: number; recent: number },
): Promise<MemoryCandidate[]> {
  const { rows } = await db.query<MemoryCandidate>(
    `WITH q AS (SELECT ${OR_TSQUERY('$3')} AS query),
     matched AS (
       SELECT m.*, ts_rank_cd(m.search, q.query) AS rank
       FROM memory_items m, q
       WHERE m.network_id = $1 AND m.tenant_id = $2 AND m.search @@ q.query
       ORDER BY rank DESC, m.created_at DESC
       LIMIT $4
     ),
     recent AS (
       SELECT m.*, 0::real AS rank FROM memory_items m
       WHERE m.network_id = $1 AND m.tenant_id = $2
       ORDER BY m.created_at DESC
       LIMIT $5
     )
     SELECT * FROM matched
     UNION ALL
     SELECT * FROM recent WHERE id NOT IN (SELECT id FROM matched)`,
    [networkId, tenantId, text, options.matches, options.recent],
  );
  return rows.map((r) => ({ ...r, rank: Number(r.rank) }));
}
