import type { MemoryType } from '@mesh/core';
import type { QueryVector } from '@mesh/embeddings';
import type { MemoryCandidate, MemoryCandidateQuery, MemoryRepository, SemanticQuery } from '@mesh/store';
import { semanticQuery, type MemoryMeaning } from './memory-meaning';

export interface MemoryRetrievalOptions {
  tenantId: string;
  networkId: string;
  /** What the prompt is about: the subtask description, or the task. */
  text: string;
  tokenBudget: number;
  candidates: number;
  now?: number;
  /** Search by meaning too (absent: full text, type, importance and recency only). */
  meaning?: MemoryMeaning;
  /**
   * The text whose meaning is searched, when not `text`: a subtask searches by its task's meaning
   * (encoded once, when the task was planned: `knownMeaning`) and by its own words in full text.
   */
  meaningText?: string;
  /** The meaning text's vector, already encoded (see semanticQuery's `known`). */
  knownMeaning?: QueryVector | null;
  /** Whose prompt it is: feedback on this agent type's own work ranks first among equals. */
  agentType?: string;
}

export interface RetrievedMemory {
  items: MemoryCandidate[];
  tokens: number;
  candidates: number;
}

/** Where retrieval gets its candidates: the store's memory repository. */
export type MemoryCandidateSource = Pick<MemoryRepository, 'candidates' | 'semanticCandidates'>;

// The ranking's knobs. Which candidates there are to rank (how many, how recent) is the store's:
// MEMORY_CANDIDATE_DEFAULTS in packages/store; the budget and the candidate count are settings.

/** Decisions and facts steer later work more than loose context or feedback. */
const TYPE_BOOST: Record<MemoryType, number> = { decision: 1.3, fact: 1.2, context: 1.0, feedback: 0.9 };
/** …except feedback on the retrieving agent's own work: people's word on it outranks any other item of equal relevance. */
const OWN_FEEDBACK_BOOST = 1.5;
/** Full-text ranks are small numbers: scaled so that relevance outweighs the type boost. */
const RELEVANCE_SCALE = 10;
/**
 * Similarity of meaning, weighed against the full-text rank: an item the text's words match well
 * (rank about 0.1) and one that means nearly the same (similarity about 0.5) count alike, and an
 * item found both ways counts both.
 */
const SIMILARITY_SCALE = 2;
/** What an item included for recency only (rank 0) gets for relevance, so that its other merits still order it. */
const MIN_RELEVANCE = 0.1;
/** Old knowledge fades: its recency weight halves every two weeks… */
const RECENCY_HALF_LIFE_DAYS = 14;
/** …down to this floor: old knowledge is never worthless. */
const MIN_RECENCY = 0.25;
/** What an item's line costs in the prompt beyond its content (`- [type] ` and the line break, roughly). */
const LINE_OVERHEAD_TOKENS = 4;

function typeBoost(item: MemoryCandidate, agentType: string | undefined): number {
  return item.memory_type === 'feedback' && agentType !== undefined && item.feedback_agent_type === agentType ? OWN_FEEDBACK_BOOST : TYPE_BOOST[item.memory_type];
}

/** An item's score for a prompt; `agentType` is whose prompt it is (see OWN_FEEDBACK_BOOST). */
export function memoryScore(item: MemoryCandidate, now: number, agentType?: string): number {
  const ageDays = Math.max(0, now - item.created_at.getTime()) / 86_400_000;
  const recency = Math.max(MIN_RECENCY, 0.5 ** (ageDays / RECENCY_HALF_LIFE_DAYS));
  const relevance = item.rank * RELEVANCE_SCALE + Math.max(0, item.similarity ?? 0) * SIMILARITY_SCALE + MIN_RELEVANCE;
  return relevance * typeBoost(item, agentType) * (1 + Math.log1p(Math.max(0, item.importance))) * (0.5 + 0.5 * item.confidence) * recency;
}

/**
 * What a retrieval asks the store for: `candidates` ranked matches (the store adds its few
 * newest items, see MemoryCandidateQuery).
 */
export function memoryCandidateQuery(candidates: number): MemoryCandidateQuery {
  return { matches: candidates };
}

/**
 * The memory a prompt gets from its candidates: scored by relevance, type, importance and
 * recency, then cut to a token budget. The budget, not the size of memory, bounds the prompt.
 */
export function selectMemory(candidates: MemoryCandidate[], tokenBudget: number, now = Date.now(), agentType?: string): RetrievedMemory {
  const ranked = candidates.map((c) => ({ c, score: memoryScore(c, now, agentType) })).sort((a, b) => b.score - a.score);
  const items: MemoryCandidate[] = [];
  let tokens = 0;
  for (const { c } of ranked) {
    const cost = c.token_estimate + LINE_OVERHEAD_TOKENS;
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
export async function retrieveRelevantMemory(memory: MemoryCandidateSource, options: MemoryRetrievalOptions): Promise<RetrievedMemory> {
  const [byText, byMeaning] = await Promise.all([
    memory.candidates(options.tenantId, options.networkId, options.text, memoryCandidateQuery(options.candidates)),
    options.meaning ? searchByMeaning(memory, options.meaning, options).then((found) => found.candidates) : Promise.resolve([]),
  ]);
  return selectMemory(mergeCandidates(byText, byMeaning), options.tokenBudget, options.now, options.agentType);
}

/**
 * The candidates found by meaning (as many as by full text; none when the network's model is not
 * available here), with the query they were found by (null then), for a caller that keeps it.
 */
export async function searchByMeaning(
  memory: Pick<MemoryRepository, 'semanticCandidates'>,
  meaning: MemoryMeaning,
  options: Pick<MemoryRetrievalOptions, 'tenantId' | 'networkId' | 'text' | 'meaningText' | 'knownMeaning' | 'candidates'>,
): Promise<{ candidates: MemoryCandidate[]; query: SemanticQuery | null }> {
  const query = await semanticQuery(meaning, options.tenantId, options.networkId, options.meaningText ?? options.text, undefined, options.knownMeaning);
  return { candidates: query ? await memory.semanticCandidates(options.tenantId, options.networkId, query, options.candidates) : [], query };
}

/** One candidate per item: one found both ways keeps its full-text rank and gets its similarity. */
export function mergeCandidates(byText: MemoryCandidate[], byMeaning: MemoryCandidate[]): MemoryCandidate[] {
  const merged = new Map(byText.map((c) => [c.id, c]));
  for (const c of byMeaning) {
    const known = merged.get(c.id);
    merged.set(c.id, known ? { ...known, ...(c.similarity === undefined ? {} : { similarity: c.similarity }) } : c);
  }
  return [...merged.values()];
}

export function formatMemory(items: MemoryCandidate[]): string {
  return items.length === 0 ? '(no relevant memory yet)' : items.map((m) => `- [${m.memory_type}] ${m.content}`).join('\n');
}
