import { reviveDates } from '../json-rows';
import { MEMORY_CANDIDATE_DEFAULTS, type MemoryCandidate, type MemoryCandidateQuery } from '../memory-candidate-query';

/** A query's numbers as memory_candidates() takes them; `window` also bounds the distinctive-word matches. */
export function candidateArguments(query: MemoryCandidateQuery): { window: number; recent: number; limit: number } {
  const recent = query.recent ?? MEMORY_CANDIDATE_DEFAULTS.recent;
  return { window: query.window ?? MEMORY_CANDIDATE_DEFAULTS.window, recent, limit: query.matches + recent };
}

/**
 * A candidate's `feedback_agent_type` column, read from the row alias `row`: NULL except for
 * feedback items, whose metadata names the agent type they judge (retrieval favours an agent's own).
 */
export const FEEDBACK_AGENT_TYPE = (row: string) => `CASE WHEN ${row}.memory_type = 'feedback' THEN ${row}.metadata->>'agent_type' END AS feedback_agent_type`;

/**
 * The candidates (see MemoryRepository.candidates) as a JSON array expression, for statements that
 * load them together with other rows (one round trip): `$n` placeholders for network, tenant and
 * text are the caller's; the window, recent, limit and common lexemes are appended to `params`.
 */
export function memoryCandidatesJsonSql(
  params: unknown[],
  refs: { network: string; tenant: string; text: string },
  query: MemoryCandidateQuery,
  common: string[] | null,
): string {
  const { window, recent, limit } = candidateArguments(query);
  params.push(window, recent, limit, common);
  const n = params.length;
  return `(SELECT coalesce(jsonb_agg(jsonb_build_object('id', c.id, 'tenant_id', c.tenant_id, 'network_id', c.network_id, 'memory_type', c.memory_type, 'content', c.content, 'confidence', c.confidence,
                                                     'importance', c.importance, 'token_estimate', c.token_estimate, 'created_at', c.created_at, 'rank', c.rank)
                                  || CASE WHEN c.memory_type = 'feedback' AND c.metadata ? 'agent_type' THEN jsonb_build_object('feedback_agent_type', c.metadata->>'agent_type') ELSE '{}' END), '[]')
           FROM memory_candidates(${refs.network}, ${refs.tenant}, ${refs.text}, $${n - 3}, $${n - 3}, $${n - 2}, $${n - 1}, $${n}::text[]) AS c)`;
}

/** Candidates read back from JSON (memoryCandidatesJsonSql). */
export function reviveMemoryCandidates(rows: MemoryCandidate[]): MemoryCandidate[] {
  return rows.map((r) => ({ ...reviveDates(r, ['created_at']), rank: Number(r.rank) }));
}
