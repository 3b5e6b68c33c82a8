import { randomUUID } from 'node:crypto';
import { CreateNetworkBody, type MemoryType } from '@mesh/core';
import { estimateTokens } from '@mesh/llm';
import { MEMORY_CANDIDATE_DEFAULTS, type MemoryCandidate } from '@mesh/store';
import { createTestEnv, type TestEnv } from '@mesh/testing';
import { formatMemory, memoryCandidateQuery, memoryScore, retrieveRelevantMemory, selectMemory } from './memory-retrieval';

const NOW = Date.parse('2025-06-01T12:00:00Z');
const DAY_MS = 86_400_000;

/** A candidate as the store returns it; everything that scores is equal unless overridden. */
function candidate(overrides: Partial<MemoryCandidate> & { content?: string } = {}): MemoryCandidate {
  const content = overrides.content ?? 'The launch email goes out on Tuesday morning';
  return {
    id: randomUUID(),
    tenant_id: 'tenant-a',
    network_id: '00000000-0000-4000-8000-000000000001',
    memory_type: 'fact',
    content,
    confidence: 0.9,
    importance: 1,
    // As the database computes it (memory_items.token_estimate).
    token_estimate: Math.floor(content.length / 4) + 1,
    created_at: new Date(NOW - DAY_MS),
    rank: 0.3,
    ...overrides,
  };
}

/** What selectMemory charges for an item: its estimate plus the line's overhead. */
const cost = (items: MemoryCandidate[]) => items.reduce((sum, m) => sum + m.token_estimate + 4, 0);

const order = (candidates: MemoryCandidate[], budget = 10_000) => selectMemory(candidates, budget, NOW).items.map((m) => m.content);

describe('memoryScore and selectMemory: the order', () => {
  it('with equal relevance, ranks decisions over facts over context over feedback', () => {
    const types: MemoryType[] = ['feedback', 'context', 'fact', 'decision'];
    expect(order(types.map((memory_type) => candidate({ memory_type, content: memory_type })))).toEqual(['decision', 'fact', 'context', 'feedback']);
  });

  it("with equal relevance, ranks feedback on the retrieving agent's own type above any other item, and other types' feedback last", () => {
    const items = [
      candidate({ memory_type: 'decision', content: 'decision' }),
      candidate({ memory_type: 'feedback', feedback_agent_type: 'design', content: 'feedback on design' }),
      candidate({ memory_type: 'fact', content: 'fact' }),
      candidate({ memory_type: 'feedback', feedback_agent_type: 'content', content: 'feedback on content' }),
    ];
    expect(selectMemory(items, 10_000, NOW, 'content').items.map((m) => m.content)).toEqual(['feedback on content', 'decision', 'fact', 'feedback on design']);
    // Without an agent type (or for another one), feedback is ranked as feedback.
    expect(order(items).slice(-2).sort()).toEqual(['feedback on content', 'feedback on design']);
    expect(selectMemory(items, 10_000, NOW, 'analytics').items.map((m) => m.content).slice(0, 2)).toEqual(['decision', 'fact']);
    // Relevance still outweighs it: an unrelated item of its own is not forced in first.
    const unrelated = [candidate({ memory_type: 'feedback', feedback_agent_type: 'content', rank: 0, content: 'unrelated own feedback' }), candidate({ memory_type: 'fact', rank: 0.2, content: 'relevant fact' })];
    expect(selectMemory(unrelated, 10_000, NOW, 'content').items.map((m) => m.content)).toEqual(['relevant fact', 'unrelated own feedback']);
  });

  it('with equal relevance and type, ranks more important items first', () => {
    const items = [1, 4, 2].map((importance) => candidate({ importance, content: `importance ${importance}` }));
    expect(order(items)).toEqual(['importance 4', 'importance 2', 'importance 1']);
  });

  it('with equal relevance, type and importance, ranks newer items first', () => {
    const items = [20, 0, 3].map((days) => candidate({ created_at: new Date(NOW - days * DAY_MS), content: `${days} days old` }));
    expect(order(items)).toEqual(['0 days old', '3 days old', '20 days old']);
  });

  it('halves the recency weight every 14 days, down to a floor: old knowledge fades but is never worthless', () => {
    const at = (days: number) => memoryScore(candidate({ created_at: new Date(NOW - days * DAY_MS) }), NOW);
    expect(at(14) / at(0)).toBeCloseTo(0.5, 5);
    expect(at(200)).toBeGreaterThan(0);
    expect(at(200)).toBeCloseTo(at(2_000), 10);
    // An item dated in the future (clock skew between writers) is not boosted beyond "now".
    expect(memoryScore(candidate({ created_at: new Date(NOW + 5 * DAY_MS) }), NOW)).toBeCloseTo(at(0), 10);
  });

  it('ranks higher-confidence items first when all else is equal', () => {
    expect(order([candidate({ confidence: 0.2, content: 'unsure' }), candidate({ confidence: 1, content: 'sure' })])).toEqual(['sure', 'unsure']);
  });

  it('lets relevance outweigh the type boost: a matching context item beats a non-matching decision', () => {
    const items = [candidate({ memory_type: 'decision', rank: 0, content: 'recent but unrelated decision' }), candidate({ memory_type: 'context', rank: 0.2, content: 'relevant context' })];
    expect(order(items)).toEqual(['relevant context', 'recent but unrelated decision']);
  });
});

describe('selectMemory: the token budget', () => {
  const varied = (n: number) =>
    Array.from({ length: n }, (_, i) =>
      candidate({
        content: `Memory item ${i}: ${'detail '.repeat(3 + ((i * 7) % 25))}`.trim(),
        memory_type: (['fact', 'decision', 'context', 'feedback'] as const)[i % 4],
        importance: 1 + (i % 3),
        rank: ((i * 13) % 10) / 10,
        created_at: new Date(NOW - ((i * 5) % 40) * DAY_MS),
      }),
    );

  it('keeps the chosen items within the budget, and reports what they cost', () => {
    for (const budget of [50, 120, 500, 2_000]) {
      const chosen = selectMemory(varied(60), budget, NOW);
      expect(chosen.items.length).toBeGreaterThan(0);
      expect(cost(chosen.items)).toBeLessThanOrEqual(budget);
      expect(chosen.tokens).toBe(cost(chosen.items));
      expect(chosen.candidates).toBe(60);
    }
  });

  it('takes the best items first, and skips one that does not fit while smaller ones still do', () => {
    const best = candidate({ memory_type: 'decision', importance: 5, rank: 1, content: 'x'.repeat(800) });
    const second = candidate({ memory_type: 'decision', rank: 0.5, content: 'the second best item' });
    const third = candidate({ memory_type: 'feedback', rank: 0, content: 'the least relevant item' });
    const chosen = selectMemory([third, best, second], 100, NOW);
    expect(best.token_estimate).toBeGreaterThan(100);
    expect(chosen.items.map((m) => m.content)).toEqual(['the second best item', 'the least relevant item']);
    // With room for everything, the order is by score.
    expect(selectMemory([third, best, second], 1_000, NOW).items).toEqual([best, second, third]);
  });

  it('chooses nothing when nothing fits, and says so in the prompt', () => {
    const chosen = selectMemory([candidate({ content: 'y'.repeat(400) })], 50, NOW);
    expect(chosen).toEqual({ items: [], tokens: 0, candidates: 1 });
    expect(formatMemory(chosen.items)).toBe('(no relevant memory yet)');
  });

  it('keeps the prompt memory section within the budget when the candidate set grows tenfold', () => {
    const budget = 300;
    const small = selectMemory(varied(30), budget, NOW);
    const large = selectMemory(varied(300), budget, NOW);
    const smallSection = estimateTokens(formatMemory(small.items));
    const largeSection = estimateTokens(formatMemory(large.items));
    expect(largeSection).toBeLessThanOrEqual(budget);
    expect(smallSection).toBeLessThanOrEqual(budget);
    // The budget, not the candidates, bounds the section: 10× the candidates fill it no further
    // than the budget allows (and the small set already came close).
    expect(smallSection).toBeGreaterThan(budget / 2);
    expect(large.candidates).toBe(300);
    expect(large.items.length).toBeLessThan(30);
  });
});

describe('retrieveRelevantMemory, against the database', () => {
  let env: TestEnv;
  let networkId: string;
  beforeAll(async () => {
    env = await createTestEnv('mesh-memory-retrieval');
    networkId = (await env.store.networks.create('tenant-a', CreateNetworkBody.parse({ name: 'Memory network' }))).id;
  });
  afterAll(async () => {
    await env.cleanup();
  });

  const retrieve = (text: string, tokenBudget = 500, candidates = 50) =>
    retrieveRelevantMemory(env.store.memory, { tenantId: 'tenant-a', networkId, text, tokenBudget, candidates });

  it('gives the prompt a repeated memory once (the store de-duplicates by normalised content)', async () => {
    const source = { kind: 'agent' as const };
    await env.store.memory.upsertMany('tenant-a', networkId, [{ memory_type: 'fact', content: 'The launch colour is ultraviolet forty-two', confidence: 0.8 }], source);
    // The same fact again, from someone else and spelt differently.
    await env.store.memory.upsertMany('tenant-a', networkId, [{ memory_type: 'fact', content: '  the LAUNCH colour is   ultraviolet forty-two ', confidence: 0.9 }], { kind: 'api' });
    await env.store.memory.upsertMany(
      'tenant-a',
      networkId,
      [
        { memory_type: 'decision', content: 'Ultraviolet forty-two is the launch colour.', confidence: 0.9 },
        { memory_type: 'decision', content: 'ultraviolet forty-two is the launch colour.', confidence: 0.9 },
      ],
      source,
    );
    // Both the newest items and the matching items are candidates: the same item reached by
    // both paths must appear once.
    const memory = await retrieve('Which launch colour do we use? ultraviolet');
    const contents = memory.items.map((m) => m.content.trim().toLowerCase().replace(/\s+/g, ' '));
    expect(contents.filter((c) => c === 'the launch colour is ultraviolet forty-two')).toHaveLength(1);
    expect(contents.filter((c) => c === 'ultraviolet forty-two is the launch colour.')).toHaveLength(1);
    expect(new Set(memory.items.map((m) => m.id)).size).toBe(memory.items.length);
    // The repeat from another source reinforced the stored item instead of adding one.
    expect(memory.items.find((m) => m.content === 'The launch colour is ultraviolet forty-two')?.importance).toBeGreaterThan(1);
  });

  it('keeps the prompt memory section within the budget as the network memory grows tenfold', async () => {
    const grow = async (from: number, to: number) => {
      const items = Array.from({ length: to - from }, (_, i) => ({
        memory_type: 'fact' as const,
        content: `Campaign note ${from + i}: subject line variant ${from + i} for the spring email launch performed ${(from + i) % 7} points better`,
        confidence: 0.7,
      }));
      for (let i = 0; i < items.length; i += 100) await env.store.memory.upsertMany('tenant-a', networkId, items.slice(i, i + 100), { kind: 'api' });
    };
    const budget = 200;
    const text = 'Write the subject line for the spring email launch';
    await grow(0, 40);
    const before = await retrieve(text, budget, 20);
    await grow(40, 400);
    const after = await retrieve(text, budget, 20);
    for (const memory of [before, after]) {
      expect(memory.items.length).toBeGreaterThan(0);
      expect(memory.tokens).toBeLessThanOrEqual(budget);
      expect(estimateTokens(formatMemory(memory.items))).toBeLessThanOrEqual(budget);
    }
    // The candidates the store hands over are bounded too, not the whole of memory.
    const { matches } = memoryCandidateQuery(20);
    const recent = MEMORY_CANDIDATE_DEFAULTS.recent;
    expect(before.candidates).toBeLessThanOrEqual(matches + recent);
    expect(after.candidates).toBeLessThanOrEqual(matches + recent);
  });
});
