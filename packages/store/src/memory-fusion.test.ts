import type { MemoryItem } from '@mesh/core';
import { fuseMemoryRankings, FUSION, type FusionCandidate } from './memory-fusion';

const NOW = Date.parse('2025-06-01T12:00:00Z');
let n = 0;
function candidate(content: string, keyword: number, similarity: number | null, overrides: Partial<MemoryItem> = {}): FusionCandidate {
  const id = `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;
  const item: MemoryItem = {
    id,
    memory_id: id,
    network_id: '00000000-0000-4000-8000-000000000001',
    memory_type: 'fact',
    content,
    confidence: 1,
    importance: 1,
    metadata: {},
    source: { kind: 'api', task_id: null, subtask_id: null, agent_id: null },
    created_at: new Date(NOW - 86_400_000).toISOString(),
    ...overrides,
  };
  return { item, keyword, similarity };
}
const order = (c: FusionCandidate[]) => fuseMemoryRankings(c, { neutralSimilarity: 0.3, now: NOW }).map((m) => m.content);

describe('fuseMemoryRankings', () => {
  it('lets meaning outrank a full-text match of one shared word (a paraphrase and its false friend)', () => {
    expect(order([candidate('shares a word', 0.012, 0.32), candidate('says the same', 0, 0.55)])).toEqual(['says the same', 'shares a word']);
  });

  it('ranks an item found both ways, by several words and by meaning, first', () => {
    expect(order([candidate('meaning only', 0, 0.6), candidate('both', 0.06, 0.55), candidate('words only', 0.06, 0.2)])).toEqual(['both', 'meaning only', 'words only']);
  });

  it('lets full text find an item not embedded yet, as if it were at the match threshold', () => {
    const fused = fuseMemoryRankings([candidate('not embedded', 0.08, null), candidate('weakly similar', 0, 0.35)], { neutralSimilarity: 0.3, now: NOW });
    expect(fused.map((m) => m.content)).toEqual(['not embedded', 'weakly similar']);
    expect(fused[0]!.relevance).toBeCloseTo(0.3 + FUSION.keywordWeight * (0.08 - FUSION.keywordFloor) + FUSION.recencyWeight * 0.5 ** (1 / 14), 5);
  });

  it('breaks near ties by importance and recency', () => {
    expect(order([candidate('plain', 0, 0.5), candidate('reinforced', 0, 0.5, { importance: 4 })])).toEqual(['reinforced', 'plain']);
    expect(order([candidate('old', 0, 0.5, { created_at: new Date(NOW - 60 * 86_400_000).toISOString() }), candidate('new', 0, 0.5)])).toEqual(['new', 'old']);
  });
});
