import { COORDINATOR_TYPE, dependencyDepths, findPlanProblems, normalisePlan, PLAN_LIMITS, type PlannedSubtask } from '@mesh/core';
import { fallbackPlan } from './plan-validation';
import type { AgentSummary } from './prompts';

const TYPES: ReadonlySet<string> = new Set(['content', 'design', 'analytics', 'personalization']);

function step(key: string, agent_type = 'content', depends_on: string[] = []): PlannedSubtask {
  return { key, agent_type, description: `do ${key}`, depends_on };
}

const SPECIALISTS: AgentSummary[] = [
  { type: 'analytics', name: 'Analytics Specialist', description: 'Metrics and targeting', capabilities: ['metrics'], tools: [], track_record: null },
  { type: 'content', name: 'Content Specialist', description: 'Copy and subject lines', capabilities: ['copywriting'], tools: [], track_record: null },
  { type: 'design', name: 'Design Specialist', description: '', capabilities: [], tools: [], track_record: null },
];

describe('findPlanProblems', () => {
  it('finds nothing wrong with a valid plan: known types, unique keys, a diamond of dependencies', () => {
    const plan = [
      step('copy', 'content'),
      step('layout', 'design', ['copy']),
      step('segments', 'personalization', ['copy']),
      step('metrics', 'analytics', ['layout', 'segments']),
    ];
    expect(findPlanProblems(plan, TYPES)).toEqual([]);
    expect(Object.fromEntries(dependencyDepths(plan))).toEqual({ copy: 0, layout: 1, segments: 1, metrics: 2 });
  });

  it('reports a subtask naming an attachment the task does not have, with the names it has', () => {
    const plan = [{ ...step('look', 'design'), attachments: ['chart.png', 'chart-v2.png'] }];
    expect(findPlanProblems(plan, TYPES, new Set(['chart.png', 'report.pdf']))).toEqual([
      'subtask "look" names attachment "chart-v2.png", which the task does not have (the task\'s attachments are "chart.png", "report.pdf")',
    ]);
    expect(findPlanProblems(plan, TYPES, new Set())).toEqual([
      'subtask "look" names attachment "chart.png", which the task does not have (the task has no attachments)',
      'subtask "look" names attachment "chart-v2.png", which the task does not have (the task has no attachments)',
    ]);
    // Without the task's names (a person's plan edit checked elsewhere), names are not judged.
    expect(findPlanProblems(plan, TYPES)).toEqual([]);
  });

  it('reports a cycle a → b → a', () => {
    expect(findPlanProblems([step('a', 'content', ['b']), step('b', 'design', ['a'])], TYPES)).toEqual(['the dependencies form a cycle']);
  });

  it('reports a longer cycle next to subtasks that could run', () => {
    const plan = [step('root'), step('a', 'content', ['root', 'c']), step('b', 'design', ['a']), step('c', 'analytics', ['b'])];
    expect(findPlanProblems(plan, TYPES)).toEqual(['the dependencies form a cycle']);
    // Only the root gets a depth: the subtasks on the cycle can never become ready.
    expect([...dependencyDepths(plan).keys()]).toEqual(['root']);
  });

  it('reports a subtask that depends on itself', () => {
    expect(findPlanProblems([step('a', 'content', ['a'])], TYPES)).toEqual(['subtask "a" depends on itself']);
  });

  it('reports a dependency on a key that is not in the plan', () => {
    expect(findPlanProblems([step('a'), step('b', 'design', ['a', 'ghost'])], TYPES)).toEqual(['subtask "b" depends on "ghost", which is not in the plan']);
  });

  it('reports a subtask assigned to the coordinator', () => {
    const problems = findPlanProblems([step('a', COORDINATOR_TYPE), step('b', 'design')], TYPES);
    expect(problems).toEqual(['subtask "a" is assigned to the coordinator; delegate to a specialist']);
  });

  it('reports an agent type the network does not have, naming the types it does have', () => {
    const problems = findPlanProblems([step('a', 'seo')], TYPES);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('"seo"');
    for (const type of TYPES) expect(problems[0]).toContain(type);
  });

  it(`reports more than PLAN_LIMITS.maxSubtasks (${PLAN_LIMITS.maxSubtasks}) subtasks, and accepts exactly the limit`, () => {
    const atLimit = Array.from({ length: PLAN_LIMITS.maxSubtasks }, (_, i) => step(`s${i}`));
    expect(findPlanProblems(atLimit, TYPES)).toEqual([]);
    const overLimit = [...atLimit, step('one-too-many')];
    expect(findPlanProblems(overLimit, TYPES)).toEqual([`the plan has ${PLAN_LIMITS.maxSubtasks + 1} subtasks; at most ${PLAN_LIMITS.maxSubtasks} are allowed`]);
  });

  it('reports an empty plan, a key used twice, a malformed key and a missing description', () => {
    expect(findPlanProblems([], TYPES)).toEqual([expect.stringContaining('the plan has no subtasks')]);
    const problems = findPlanProblems([step('a'), step('a', 'design'), step('bad key!'), { ...step('quiet'), description: '' }], TYPES);
    expect(problems).toEqual(
      expect.arrayContaining(['key "a" is used twice', 'key "bad key!" must be 1-40 letters, digits, _ or -', 'subtask "quiet" has no description']),
    );
    expect(problems).toHaveLength(3);
  });

  it('reports every problem of a plan at once, so one repair can fix them all', () => {
    const problems = findPlanProblems([step('a', COORDINATOR_TYPE, ['a']), step('b', 'nonexistent', ['zzz'])], TYPES);
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).toMatch(/"a" is assigned to the coordinator/);
    expect(problems.join('\n')).toMatch(/"nonexistent"/);
    expect(problems.join('\n')).toMatch(/"a" depends on itself/);
    expect(problems.join('\n')).toMatch(/"b" depends on "zzz"/);
  });
});

describe('normalisePlan', () => {
  it('trims keys, descriptions and dependencies, lowercases agent types and drops repeated dependencies', () => {
    const plan = normalisePlan([
      { key: ' copy ', agent_type: ' Content ', description: '  write it  ', depends_on: [] },
      { key: 'layout', agent_type: 'DESIGN', description: 'lay it out', depends_on: [' copy', 'copy ', 'copy'] },
    ]);
    expect(plan).toEqual([
      { key: 'copy', agent_type: 'content', description: 'write it', depends_on: [], attachments: [] },
      { key: 'layout', agent_type: 'design', description: 'lay it out', depends_on: ['copy'], attachments: [] },
    ]);
    expect(findPlanProblems(plan, TYPES)).toEqual([]);
  });

  it('trims and de-duplicates attachment names; a plan without them gets none', () => {
    const [named, without] = normalisePlan([
      { ...step('look', 'design'), attachments: [' chart.png', 'chart.png ', 'report.pdf'] },
      step('copy'),
    ]);
    expect(named?.attachments).toEqual(['chart.png', 'report.pdf']);
    expect(without?.attachments).toEqual([]);
  });

  it('does not judge: an invalid plan stays invalid, and the problems show after normalising', () => {
    const raw = [
      { key: 'a ', agent_type: 'Coordinator', description: 'x', depends_on: [' a'] },
      { key: 'b', agent_type: 'content', description: 'y', depends_on: ['c'] },
      { key: 'c', agent_type: 'content', description: 'z', depends_on: ['b'] },
    ];
    const plan = normalisePlan(raw);
    expect(plan.map((s) => s.key)).toEqual(['a', 'b', 'c']);
    expect(plan[0]).toMatchObject({ agent_type: COORDINATOR_TYPE, depends_on: ['a'] });
    expect(findPlanProblems(plan, TYPES)).toEqual(['subtask "a" is assigned to the coordinator; delegate to a specialist', 'subtask "a" depends on itself']);
    // Once those are fixed, the remaining cycle is reported.
    expect(findPlanProblems(plan.slice(1), TYPES)).toEqual(['the dependencies form a cycle']);
  });
});

describe('fallbackPlan', () => {
  it('gives every specialist one independent subtask on the whole task, and the plan is valid', () => {
    const plan = fallbackPlan('Launch the TechPro X1', SPECIALISTS);
    expect(plan.map((s) => s.key)).toEqual(['analytics', 'content', 'design']);
    expect(plan.every((s) => s.key === s.agent_type && s.depends_on.length === 0)).toBe(true);
    expect(plan.every((s) => s.description.includes('Launch the TechPro X1'))).toBe(true);
    expect(plan[1]!.description).toContain('Content Specialist');
    expect(plan[1]!.description).toContain('Copy and subject lines');
    // A specialist without a description is described by its type.
    expect(plan[2]!.description).toContain('(design)');
    expect(findPlanProblems(plan, new Set(SPECIALISTS.map((s) => s.type)))).toEqual([]);
  });

  it('stays within the plan limits for a network with many specialists and a very long task', () => {
    const many: AgentSummary[] = Array.from({ length: PLAN_LIMITS.maxSubtasks + 5 }, (_, i) => ({ type: `type-${i}`, name: `Agent ${i}`, description: 'd', capabilities: [], tools: [], track_record: null }));
    const plan = fallbackPlan('x'.repeat(50_000), many);
    expect(plan).toHaveLength(PLAN_LIMITS.maxSubtasks);
    expect(plan.every((s) => s.description.length <= PLAN_LIMITS.maxDescriptionLength)).toBe(true);
    expect(findPlanProblems(plan, new Set(many.map((s) => s.type)))).toEqual([]);
  });
});
