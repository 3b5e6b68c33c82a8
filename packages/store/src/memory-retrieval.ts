import type { Db } from './db';
import { reviveDates } from './json-rows';
import type { MemoryRow } from './mappers';

export interface MemoryCandidate extends MemoryRow {
  /** Full-text rank against the query text; 0 for items included for recency only. */
  rank: number;
}

/**
 * Candidates for a prompt's memory section, from one network only, ranked by full-text relevance
 * to `text`: the most recent matches, the matches of the text's distinctive words and the few
 * newest items (recent decisions often matter without sharing words). The set is bounded, so the
 * cost does not grow with memory (see migrations/003_memory_candidates.sql). The caller scores
 * and cuts them to a token budget.
 */
export async function findMemoryCandidates(
  db: Db,
  tenantId: string,
  networkId: string,
  text: string,
  options: { matches: number; recent: number; window?: number },
): Promise<MemoryCandidate[]> {
  const window = options.window ?? DEFAULT_WINDOW;
  const common = await commonLexemes(db);
  const { rows } = await db.query<MemoryCandidate>(
    `SELECT * FROM memory_candidates($1::uuid, $2, $3, $4, $5, $6, $7, $8::text[])`,
    [networkId, tenantId, text, window, window, options.recent, options.matches + options.recent, common],
  );
  return rows.map((r) => ({ ...r, rank: Number(r.rank) }));
}

/**
 * The same candidates as a JSON array expression, for statements that load them together with
 * other rows (one round trip): `$n` placeholders for network, tenant and text are the caller's;
 * the window, recent, limit and common lexemes are appended to `params`.
 */
export function memoryCandidatesJsonSql(
  params: unknown[],
  refs: { network: string; tenant: string; text: string },
  options: { matches: number; recent: number; window?: number; common: string[] | null },
): string {
  const window = options.window ?? DEFAULT_WINDOW;
  params.push(window, options.recent, options.matches + options.recent, options.common);
  const n = params.length;
  return `(SELECT coalesce(jsonb_agg(to_jsonb(c)), '[]')
           FROM memory_candidates(${refs.network}, ${refs.tenant}, ${refs.text}, $${n - 3}, $${n - 3}, $${n - 2}, $${n - 1}, $${n}::text[]) AS c)`;
}

/** Candidates read back from JSON (memoryCandidatesJsonSql). */
export function reviveMemoryCandidates(rows: MemoryCandidate[]): MemoryCandidate[] {
  return rows.map((r) => ({ ...reviveDates(r, ['created_at', 'updated_at']), rank: Number(r.rank) }));
}

/** Recent matches (and distinctive-word matches) ranked per retrieval. */
export const DEFAULT_WINDOW = 50;

/** How long a process trusts the table's common lexemes (they follow ANALYZE, which is slower still). */
const COMMON_LEXEMES_TTL_MS = 60_000;
/** How soon to ask again when there were none (an empty table): the first items arrive quickly. */
const NO_COMMON_LEXEMES_TTL_MS = 5_000;
const commonCache = new WeakMap<Db, { value: Promise<string[] | null>; expiresAt: number }>();

export async function commonLexemes(db: Db): Promise<string[] | null> {
  const cached = commonCache.get(db);
  if (cached && cached.expiresAt > Date.now()) return cached.value;
  const value = db
    .query<{ common: string[] | null }>('SELECT common_memory_lexemes() AS common')
    .then(({ rows }) => rows[0]?.common ?? null)
    .catch(() => null);
  const entry = { value, expiresAt: Date.now() + COMMON_LEXEMES_TTL_MS };
  commonCache.set(db, entry);
  void value.then((common) => {
    if (!common || common.length === 0) entry.expiresAt = Math.min(entry.expiresAt, Date.now() + NO_COMMON_LEXEMES_TTL_MS);
  });
  return value;
}
