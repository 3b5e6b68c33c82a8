import type { MemoryType } from '@mesh/core';
import { findMemoryCandidates, type Db, type MemoryCandidate } from '@mesh/store';

export interface MemoryRetrievalOptions {
  tenantId: string;
  networkId: string;
  /** What the prompt is about: the subtask description, or the task. */
  text: string;
  tokenBudget: number;
  candidates: number;
  now?: number;
}

export interface RetrievedMemory {
  items: MemoryCandidate[];
  tokens: number;
  candidates: number;
}

// Decisions and facts steer later work more than loose context or feedback.
const TYPE_BOOST: Record<MemoryType, number> = { decision: 1.3, fact: 1.2, context: 1.0, feedback: 0.9 };
const RECENCY_HALF_LIFE_DAYS = 14;
const RECENT_ITEMS = 5;

export function memoryScore(item: MemoryCandidate, now: number): number {
  const ageDays = Math.max(0, now - item.created_at.getTime()) / 86_400_000;
  const recency = Math.max(0.25, 0.5 ** (ageDays / RECENCY_HALF_LIFE_DAYS));
  const relevance = item.rank * 10 + 0.1;
  return relevance * TYPE_BOOST[item.memory_type] * (1 + Math.log1p(Math.max(0, item.importance))) * (0.5 + 0.5 * item.confidence) * recency;
}

/** What a retrieval asks the store for: the candidates to score (see findMemoryCandidates). */
export function memoryCandidateQuery(candidates: number): { matches: number; recent: number } {
  return { matches: candidates, recent: RECENT_ITEMS };
}

/**
 * The memory a prompt gets from its candidates: scored by relevance, type, importance and
 * recency, then cut to a token budget. The budget, not the size of memory, bounds the prompt.
 */
export function selectMemory(candidates: MemoryCandidate[], tokenBudget: number, now = Date.now()): RetrievedMemory {
  const ranked = candidates.map((c) => ({ c, score: memoryScore(c, now) })).sort((a, b) => b.score - a.score);
  const items: MemoryCandidate[] = [];
  let tokens = 0;
  for (const { c } of ranked) {
    const cost = c.token_estimate + 4;
    if (tokens + cost > tokenBudget) continue;
    items.push(c);
    tokens += cost;
  }
  return { items, tokens, candidates: candidates.length };
}

/**
 * The memory a prompt gets: relevance-ranked within the network, boosted by type, importance
 * and recency, cut to a token budget.
 */
export async function retrieveRelevantMemory(db: Db, options: MemoryRetrievalOptions): Promise<RetrievedMemory> {
  const candidates = await findMemoryCandidates(db, options.tenantId, options.networkId, options.text, memoryCandidateQuery(options.candidates));
  return selectMemory(candidates, options.tokenBudget, options.now);
}

export function formatMemory(items: MemoryCandidate[]): string {
  return items.length === 0 ? '(no relevant memory yet)' : items.map((m) => `- [${m.memory_type}] ${m.content}`).join('\n');
}
