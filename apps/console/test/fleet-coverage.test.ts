import { agentWarnings, unservedTypes, workerFix } from '../src/lib/fleet-coverage';

const WARNING = "no worker serves agent type 'seo': start one with --agents seo or --agents all; until then the coordinator does not plan for it";

describe('agentWarnings', () => {
  it("reads the API's warnings from an added agent", () => {
    expect(agentWarnings({ id: 'a1', type: 'seo', warnings: [WARNING] })).toEqual([WARNING]);
  });

  it('is empty when the agent has a worker, or an older API does not say', () => {
    expect(agentWarnings({ id: 'a1', type: 'content' })).toEqual([]);
    expect(agentWarnings({ id: 'a1', type: 'content', warnings: [] })).toEqual([]);
    expect(agentWarnings(undefined)).toEqual([]);
    expect(agentWarnings(null)).toEqual([]);
  });

  it('keeps only non-empty strings of a malformed answer', () => {
    expect(agentWarnings({ warnings: 'no worker' })).toEqual([]);
    expect(agentWarnings({ warnings: [WARNING, 3, null, '', '  ', { text: 'x' }] })).toEqual([WARNING]);
  });
});

describe('unservedTypes', () => {
  it("is the health report's unserved agent types", () => {
    const types = unservedTypes({ unserved_agent_types: ['seo', 'legal'] });
    expect([...types].sort()).toEqual(['legal', 'seo']);
    expect(types.has('content')).toBe(false);
  });

  it('is empty before a report, or from an older API without the field', () => {
    expect(unservedTypes(undefined).size).toBe(0);
    expect(unservedTypes({}).size).toBe(0);
  });
});

describe('workerFix', () => {
  it('names the worker option that serves the type', () => {
    expect(workerFix('seo')).toBe('start a worker with --agents seo or --agents all');
  });
});
