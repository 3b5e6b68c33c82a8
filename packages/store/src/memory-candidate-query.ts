import type { MemoryRow } from './mappers';

/** What scoring a memory item and writing it into a prompt need: not the whole row. */
export interface MemoryCandidate extends Pick<MemoryRow, 'id' | 'tenant_id' | 'network_id' | 'memory_type' | 'content' | 'confidence' | 'importance' | 'token_estimate' | 'created_at'> {
  /** Full-text rank against the query text; 0 for items included for recency only. */
  rank: number;
  /** Cosine similarity of meaning to the query text, for items found by meaning (absent otherwise). */
  similarity?: number;
  /** For a feedback item, the agent type whose work it judges (its metadata.agent_type; absent otherwise). */
  feedback_agent_type?: string;
}

/**
 * What the store fetches as a prompt's memory candidates, from one network. The set is bounded,
 * so that a retrieval does not cost more as memory grows; the engine scores it and cuts it to a
 * token budget (packages/mesh/src/memory-retrieval.ts). In SQL: memory_candidates() in
 * migrations/006_memory_candidates_cached_plans.sql.
 */
export interface MemoryCandidateQuery {
  /** How many candidates are chosen by full-text rank: the engine's setting (MESH_MEMORY_CANDIDATES). */
  matches: number;
  /** How many of the newest items come too, whatever their words. Default MEMORY_CANDIDATE_DEFAULTS.recent. */
  recent?: number;
  /** How many matches are ranked, from each path. Default MEMORY_CANDIDATE_DEFAULTS.window. */
  window?: number;
}

/**
 * The retrieval's knobs on the store's side. Fixed in SQL, not here: only the first 4,000
 * characters and 64 lexemes of the text count (migrations/006), and which lexemes are common comes
 * from ANALYZE statistics, or before any from the first thousand items (migrations/005; cached by
 * CommonLexemes).
 */
export const MEMORY_CANDIDATE_DEFAULTS = {
  /** Recent decisions often matter without sharing a word with the text. */
  recent: 5,
  /**
   * The most recent matches of any of the text's words, and as many matches of its distinctive
   * words, that are ranked: ranking every match of a common word would grow with memory.
   */
  window: 50,
} as const;
