import type { Db } from './db';
import { reviveDates } from './json-rows';
import type { MemoryRow } from './mappers';
import { StatementBatcher } from './statement-batcher';

/** What scoring a memory item and writing it into a prompt need: not the whole row. */
export interface MemoryCandidate extends Pick<MemoryRow, 'id' | 'tenant_id' | 'network_id' | 'memory_type' | 'content' | 'confidence' | 'importance' | 'token_estimate' | 'created_at'> {
  /** Full-text rank against the query text; 0 for items included for recency only. */
  rank: number;
}

export interface MemoryCandidateRequest {
  tenantId: string;
  networkId: string;
  text: string;
  options: { matches: number; recent: number; window?: number };
}

/**
 * Candidates for a prompt's memory section, from one network only, ranked by full-text relevance
 * to `text`: the most recent matches, the matches of the text's distinctive words and the few
 * newest items (recent decisions often matter without sharing words). The set is bounded, so the
 * cost does not grow with memory (see migrations/003_memory_candidates.sql). The caller scores
 * and cuts them to a token budget. Retrievals asked for while others are in Postgres go together
 * in one statement (see StatementBatcher).
 */
export async function findMemoryCandidates(
  db: Db,
  tenantId: string,
  networkId: string,
  text: string,
  options: { matches: number; recent: number; window?: number },
): Promise<MemoryCandidate[]> {
  let batcher = candidateBatchers.get(db);
  if (!batcher) {
    batcher = new StatementBatcher((requests) => findMemoryCandidatesMany(db, requests), { spread: true });
    candidateBatchers.set(db, batcher);
  }
  return batcher.submit({ tenantId, networkId, text, options });
}

const candidateBatchers = new WeakMap<Db, StatementBatcher<MemoryCandidateRequest, MemoryCandidate[]>>();

/** Several retrievals, each confined to its own tenant and network, in one statement. */
export async function findMemoryCandidatesMany(db: Db, requests: MemoryCandidateRequest[]): Promise<MemoryCandidate[][]> {
  const common = await commonLexemes(db);
  const windows = requests.map((r) => r.options.window ?? DEFAULT_WINDOW);
  // Only the columns a prompt uses, the time as a number: a worker parses tens of candidate rows
  // per subtask, and parsing whole rows and timestamps was a tenth of its CPU at high concurrency.
  const { rows } = await db.query<Omit<MemoryCandidate, 'created_at'> & { request: number; created_ms: number }>(
    `SELECT r.request::int AS request, c.id, c.tenant_id, c.network_id, c.memory_type, c.content, c.confidence, c.importance, c.token_estimate,
            (extract(epoch FROM c.created_at) * 1000)::float8 AS created_ms, c.rank
     FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::int[], $6::int[]) WITH ORDINALITY AS r(network_id, tenant_id, text, win, recent, lim, request)
     CROSS JOIN LATERAL memory_candidates(r.network_id, r.tenant_id, r.text, r.win, r.win, r.recent, r.lim, $7::text[]) AS c`,
    [
      requests.map((r) => r.networkId),
      requests.map((r) => r.tenantId),
      requests.map((r) => r.text),
      windows,
      requests.map((r) => r.options.recent),
      requests.map((r) => r.options.matches + r.options.recent),
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
  return `(SELECT coalesce(jsonb_agg(jsonb_build_object('id', c.id, 'tenant_id', c.tenant_id, 'network_id', c.network_id, 'memory_type', c.memory_type, 'content', c.content, 'confidence', c.confidence,
                                                     'importance', c.importance, 'token_estimate', c.token_estimate, 'created_at', c.created_at, 'rank', c.rank)), '[]')
           FROM memory_candidates(${refs.network}, ${refs.tenant}, ${refs.text}, $${n - 3}, $${n - 3}, $${n - 2}, $${n - 1}, $${n}::text[]) AS c)`;
}

/** Candidates read back from JSON (memoryCandidatesJsonSql). */
export function reviveMemoryCandidates(rows: MemoryCandidate[]): MemoryCandidate[] {
  return rows.map((r) => ({ ...reviveDates(r, ['created_at']), rank: Number(r.rank) }));
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
