import type { MemoryItem } from '@mesh/core';

/**
 * Hybrid ranking's weights. Measured on the bench's labelled set (packages/bench/data): with the
 * offline encoder, meaning alone already ranks every exact-term query's answer in the top five,
 * and a full-text match of a single shared word is usually a false friend of a paraphrase; fused
 * by reciprocal rank, those pushed the paraphrases' answers out (recall@5 0.33 against 0.68 for
 * meaning alone). So full text adds only what its rank (ts_rank, as memory_candidates() gives it:
 * about 0.01 for one shared word, 0.03 to 0.06 for a query's words together) has above the floor,
 * and importance and recency break near ties.
 */
export const FUSION = {
  keywordWeight: 3,
  keywordFloor: 0.02,
  importanceWeight: 0.02,
  recencyWeight: 0.02,
  /** Recency halves every two weeks, as in the engine's prompt retrieval. */
  recencyHalfLifeDays: 14,
} as const;

/** A candidate of a hybrid search: an item, its full-text rank (0: no match) and its similarity (null: no vector yet). */
export interface FusionCandidate {
  item: MemoryItem;
  keyword: number;
  similarity: number | null;
}

/**
 * Hybrid ranking: meaning, full text, importance and recency fused into one score —
 * similarity + keywordWeight × (full-text rank above keywordFloor) + small importance and
 * recency terms. An item without a vector in the network's space yet (just written, or waiting
 * for re-embedding) counts as `neutralSimilarity` (the model's match threshold), so that full
 * text finds it meanwhile. `relevance` is the fused score.
 */
export function fuseMemoryRankings(candidates: FusionCandidate[], options: { neutralSimilarity: number; now?: number }): MemoryItem[] {
  const now = options.now ?? Date.now();
  return candidates
    .map(({ item, keyword, similarity }) => {
      const ageDays = Math.max(0, now - Date.parse(item.created_at)) / 86_400_000;
      const score =
        (similarity ?? options.neutralSimilarity) +
        FUSION.keywordWeight * Math.max(0, keyword - FUSION.keywordFloor) +
        FUSION.importanceWeight * Math.log1p(Math.max(0, item.importance - 1)) +
        FUSION.recencyWeight * 0.5 ** (ageDays / FUSION.recencyHalfLifeDays);
      return { ...item, relevance: Number(score.toFixed(6)) };
    })
    .sort((a, b) => b.relevance - a.relevance || Date.parse(b.created_at) - Date.parse(a.created_at));
}
