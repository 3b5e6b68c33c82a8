import { randomUUID } from 'node:crypto';
import type { EvalCaseResult, EvalRun, Feedback, LessonSet, StatRow, StatsReport } from '../src/api/learning-types';
import { agentTypeStats, modelUsageRows, successRate } from '../src/lib/agent-stats';
import { failedAssertions, formatScore, newestFirst, parseComparePair, runName, togglePick } from '../src/lib/evals';
import { feedbackBody, feedbackByTarget, formatMeanRating, ratingStars, RESULT_TARGET } from '../src/lib/feedback';
import { lessonsFromText, lessonsProblem, lessonsText } from '../src/lib/lessons';

const feedback = (overrides: Partial<Feedback>): Feedback => ({
  feedback_id: randomUUID(),
  network_id: 'n1',
  task_id: 't1',
  subtask_id: null,
  agent_type: 'coordinator',
  rating: 4,
  comment: null,
  correction: null,
  memory_id: null,
  lesson_version: null,
  created_at: '2026-05-01T10:00:00.000Z',
  ...overrides,
});

const statRow = (overrides: Partial<StatRow> = {}): StatRow => ({
  subtasks: 0,
  completed: 0,
  failed: 0,
  mean_confidence: null,
  mean_rating: null,
  ratings: 0,
  p50_duration_ms: null,
  p95_duration_ms: null,
  input_tokens: 0,
  output_tokens: 0,
  cost_usd: 0,
  ...overrides,
});

const run = (overrides: Partial<EvalRun>): EvalRun => ({
  eval_run_id: randomUUID(),
  label: null,
  status: 'completed',
  created_at: '2026-05-01T10:00:00.000Z',
  completed_at: null,
  cases_total: 1,
  cases_scored: 1,
  mean_score: 1,
  passed: 1,
  failed: 0,
  ...overrides,
});

describe('feedback on a task', () => {
  it("groups a task's feedback by the result and by subtask, keeping each list's order", () => {
    const first = feedback({ rating: 2 });
    const onSubtask = feedback({ subtask_id: 's1', agent_type: 'content', rating: 5 });
    const second = feedback({ rating: 3 });
    const grouped = feedbackByTarget([first, onSubtask, second]);
    expect(grouped.get(RESULT_TARGET)).toEqual([first, second]);
    expect(grouped.get('s1')).toEqual([onSubtask]);
    expect(grouped.has('s2')).toBe(false);
  });

  it('builds the body from a draft: a rating from 1 to 5, blank texts left out, the subtask when there is one', () => {
    expect(feedbackBody({ rating: '4', comment: '  too long  ', correction: '' }, null)).toEqual({ body: { rating: 4, comment: 'too long' } });
    expect(feedbackBody({ rating: '1', comment: '', correction: 'Say 42.' }, 's1')).toEqual({ body: { rating: 1, correction: 'Say 42.', subtask_id: 's1' } });
    for (const rating of ['', '0', '6', '2.5', 'x']) expect(feedbackBody({ rating, comment: '', correction: '' }, null)).toEqual({ problem: 'Choose a rating from 1 to 5.' });
    expect(feedbackBody({ rating: '3', comment: 'x'.repeat(2001), correction: '' }, null)).toEqual({ problem: 'The comment is 2001 characters; at most 2000.' });
    expect(feedbackBody({ rating: '3', comment: '', correction: 'y'.repeat(8001) }, null)).toEqual({ problem: 'The correction is 8001 characters; at most 8000.' });
  });

  it('shows ratings as stars and means with one decimal', () => {
    expect(ratingStars(4)).toBe('★★★★☆');
    expect(ratingStars(1)).toBe('★☆☆☆☆');
    expect(formatMeanRating(3.456)).toBe('3.5');
    expect(formatMeanRating(null)).toBe('–');
  });
});

describe('lessons as lines', () => {
  const current: LessonSet = {
    version: 2,
    source: 'distilled',
    created_at: '2026-05-01T10:00:00.000Z',
    lessons: [
      { text: 'Keep subject lines under 60 characters', sources: ['f1', 'f2'] },
      { text: 'Name the product in the first sentence', sources: [] },
    ],
  };

  it('shows one lesson a line, and nothing for no lessons', () => {
    expect(lessonsText(current)).toBe('Keep subject lines under 60 characters\nName the product in the first sentence');
    expect(lessonsText(null)).toBe('');
  });

  it('reads edited lines back: blank lines dropped, unchanged lines keep their sources, edited and new ones have none', () => {
    const text = '  Keep subject lines under 60 characters \n\nName the product first\nAvoid exclamation marks\n';
    expect(lessonsFromText(text, current)).toEqual([
      { text: 'Keep subject lines under 60 characters', sources: ['f1', 'f2'] },
      { text: 'Name the product first' },
      { text: 'Avoid exclamation marks' },
    ]);
    expect(lessonsFromText('\n  \n', current)).toEqual([]);
  });

  it('says what is over the limits before the API refuses it', () => {
    expect(lessonsProblem([{ text: 'fine' }])).toBeNull();
    expect(lessonsProblem(Array.from({ length: 21 }, (_, i) => ({ text: `lesson ${i}` })))).toBe('21 lessons; at most 20.');
    expect(lessonsProblem([{ text: 'ok' }, { text: 'x'.repeat(501) }])).toBe('Line 2 is 501 characters; a lesson has at most 500.');
  });
});

describe("an agent's stats", () => {
  const report: StatsReport = {
    network_id: 'n1',
    window: '7d',
    from: '2026-04-24T10:00:00.000Z',
    to: '2026-05-01T10:00:00.000Z',
    totals: { ...statRow({ subtasks: 4, completed: 3, failed: 1 }), tasks: 2 },
    agent_types: [
      { ...statRow({ subtasks: 3, completed: 3, mean_rating: 4.5, ratings: 2 }), agent_type: 'content' },
      { ...statRow({ subtasks: 1, failed: 1 }), agent_type: 'design' },
    ],
    models: [{ ...statRow({ subtasks: 4, input_tokens: 100, output_tokens: 40, cost_usd: 0.01 }), model: 'simulated:simulated' }],
  };

  it("picks the agent type's row, or none when its subtasks did not run", () => {
    expect(agentTypeStats(report, 'content')?.mean_rating).toBe(4.5);
    expect(agentTypeStats(report, 'research')).toBeNull();
  });

  it('counts the success rate of the subtasks that ended, none when none did', () => {
    expect(successRate({ completed: 3, failed: 1 })).toBe(0.75);
    expect(successRate({ completed: 0, failed: 0 })).toBeNull();
  });

  it('turns model rows into the usage chart rows: tokens in and out, cost, subtasks as the count', () => {
    expect(modelUsageRows(report)).toEqual([{ key: 'simulated:simulated', input_tokens: 100, output_tokens: 40, tokens: 140, cost_usd: 0.01, llm_calls: 4 }]);
  });
});

describe('evaluation runs', () => {
  it('lists runs newest first and names them by label or id', () => {
    const older = run({ created_at: '2026-05-01T09:00:00.000Z', label: 'baseline' });
    const newer = run({ created_at: '2026-05-01T11:00:00.000Z', label: '  ', eval_run_id: 'abcdef12-0000-4000-8000-000000000000' });
    expect(newestFirst([older, newer]).map((r) => r.eval_run_id)).toEqual([newer.eval_run_id, older.eval_run_id]);
    expect(runName(older)).toBe('baseline');
    expect(runName(newer)).toBe('run abcdef12');
  });

  it('shows scores as percentages, – for none', () => {
    expect(formatScore(0.666)).toBe('67%');
    expect(formatScore(1)).toBe('100%');
    expect(formatScore(null)).toBe('–');
  });

  it('picks at most two runs to compare: a third drops the first picked, a picked one unpicks', () => {
    expect(togglePick([], 'a')).toEqual(['a']);
    expect(togglePick(['a'], 'b')).toEqual(['a', 'b']);
    expect(togglePick(['a', 'b'], 'c')).toEqual(['b', 'c']);
    expect(togglePick(['a', 'b'], 'a')).toEqual(['b']);
  });

  it('reads the compared pair from the URL only when both are there and differ', () => {
    expect(parseComparePair('?a=r1&b=r2')).toEqual({ a: 'r1', b: 'r2' });
    expect(parseComparePair('?a=r1')).toBeNull();
    expect(parseComparePair('?a=r1&b=r1')).toBeNull();
  });

  it("lists a case's failed assertions only", () => {
    const result: EvalCaseResult = {
      case_id: 'c1',
      network_id: 'n1',
      task_id: 't1',
      task_status: 'completed',
      status: 'scored',
      score: 0.5,
      passed: false,
      assertions: [
        { type: 'contains', passed: true, detail: 'found "launch"' },
        { type: 'max_length', passed: false, detail: '1200 characters, at most 1000' },
      ],
      rubric: null,
      error: null,
    };
    expect(failedAssertions(result)).toEqual([{ type: 'max_length', passed: false, detail: '1200 characters, at most 1000' }]);
  });
});
