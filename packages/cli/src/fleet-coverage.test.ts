import { agentWarnings, unservedNote, workerFix } from './fleet-coverage';

const WARNING = "no worker serves agent type 'seo': start one with --agents seo or --agents all; until then the coordinator does not plan for it";

describe('agentWarnings', () => {
  it("reads the API's warnings from an added agent", () => {
    expect(agentWarnings({ id: 'a1', type: 'seo', warnings: [WARNING] })).toEqual([WARNING]);
  });

  it('is empty when the type has a worker, or an older API does not say', () => {
    expect(agentWarnings({ id: 'a1', type: 'content' })).toEqual([]);
    expect(agentWarnings({ id: 'a1', type: 'content', warnings: [] })).toEqual([]);
    expect(agentWarnings(undefined)).toEqual([]);
  });

  it('keeps only the non-empty strings of a malformed answer', () => {
    expect(agentWarnings({ warnings: WARNING })).toEqual([]);
    expect(agentWarnings({ warnings: [WARNING, 7, null, ' ', { text: 'x' }] })).toEqual([WARNING]);
  });
});

describe('unservedNote', () => {
  it('names one unserved type and the worker to start', () => {
    expect(unservedNote(['seo'])).toEqual(['no worker serves agent type seo: the coordinator does not plan for it; start a worker with --agents seo or --agents all']);
  });

  it('names several, with one worker for them all', () => {
    expect(unservedNote(['legal', 'seo'])).toEqual([
      'no worker serves agent types legal, seo: the coordinator does not plan for them; start a worker with --agents legal,seo or --agents all',
    ]);
    expect(workerFix(['legal', 'seo'])).toBe('start a worker with --agents legal,seo or --agents all');
  });

  it('says nothing when every type has a worker', () => {
    expect(unservedNote([])).toEqual([]);
  });

  it('prints what the API sent as safe text', () => {
    const [line] = unservedNote(['seo\x1b]0;pwned\x07\nx']);
    expect(line).not.toMatch(/[\x00-\x1f]/);
    expect(line).toContain('agent type seo x:');
  });
});
