import type { EvalRun } from '@mesh/core';
import { UsageError } from './cli-errors';
import { caseLineOf, parseCaseFile } from './eval-cases';
import { evalRunDetails } from './eval-render';
import { plainStyle } from './terminal-text';

const parse = (lines: string[]) => parseCaseFile(lines.join('\n'), 'cases.jsonl', 'usage');
const problem = (lines: string[]) => {
  try {
    parse(lines);
  } catch (err) {
    if (err instanceof UsageError) return err.message;
    throw err;
  }
  throw new Error('parsed without a problem');
};

describe('case files', () => {
  it('reads one case per line, skipping blank and comment lines, and remembers each line number', () => {
    const file = parse(['# cases', '', JSON.stringify({ id: 'a', task: 'x', rubric: 'r' }), '// more', JSON.stringify({ id: 'b', task: 'y', assertions: [{ type: 'max_length', value: 9 }] })]);
    expect(file.cases.map((c) => c.id)).toEqual(['a', 'b']);
    expect(file.lines).toEqual([3, 5]);
    expect(caseLineOf('cases.1.assertions.0.value', file)).toBe('line 5: assertions.0.value');
    expect(caseLineOf('cases.0', file)).toBe('line 3');
    expect(caseLineOf('label', file)).toBe('label');
  });

  it('names every bad line, and says nothing was started', () => {
    const message = problem([
      '{"id": "a", "task": ',
      '[1, 2]',
      JSON.stringify({ id: 'has space', task: 'x', rubric: 'r' }),
      JSON.stringify({ id: 'c', task: '', rubric: 'r' }),
      JSON.stringify({ id: 'd', task: 'x' }),
      JSON.stringify({ id: 'e', task: 'x', assertions: [{ type: 'regex', pattern: '(' }] }),
      JSON.stringify({ id: 'f', task: 'x', assertions: [{ value: 'x' }] }),
      JSON.stringify({ id: 'g', task: 'x', rubric: 'r' }),
      JSON.stringify({ id: 'g', task: 'x', rubric: 'r' }),
    ]);
    expect(message.split('\n')).toEqual([
      expect.stringMatching(/^cases\.jsonl line 1: not valid JSON/),
      'cases.jsonl line 2: must be a JSON object: {"id": …, "task": …, "assertions": […]}',
      'cases.jsonl line 3: "id" must be 1-100 letters, digits, _, . or -',
      'cases.jsonl line 4: "task" must be a non-empty string',
      'cases.jsonl line 5: a case needs at least one assertion or a rubric',
      expect.stringMatching(/^cases\.jsonl line 6: assertion 1: the regex does not compile/),
      'cases.jsonl line 7: assertion 1 has no "type" (contains, not_contains, regex, json_field_equals, max_length)',
      'cases.jsonl line 9: case id "g" is already used on line 8',
      'Nothing was started.',
    ]);
    expect(problem(['# only a comment', ''])).toBe('cases.jsonl has no cases (one JSON object per line)');
  });

  it('prints a run as a table: status, score, passed and what failed', () => {
    const run: EvalRun = {
      eval_run_id: '4c17a0f9-6d8e-4b1a-9c2f-0a1b2c3d4e51',
      label: 'baseline',
      status: 'completed',
      created_at: '2026-03-03T10:00:00.000Z',
      completed_at: '2026-03-03T10:02:00.000Z',
      cases_total: 3,
      cases_scored: 3,
      mean_score: 0.5,
      passed: 1,
      failed: 2,
      results: [
        { case_id: 'ok', network_id: 'n', task_id: 't1', task_status: 'completed', status: 'scored', score: 1, passed: true, assertions: [{ type: 'contains', passed: true, detail: 'contains "x"' }], rubric: null, error: null },
        {
          case_id: 'weak',
          network_id: 'n',
          task_id: 't2',
          task_status: 'completed',
          status: 'scored',
          score: 0.5,
          passed: false,
          assertions: [{ type: 'max_length', passed: false, detail: '90 characters (at most 40)' }],
          rubric: { score: 0.3, explanation: 'vague' },
          error: null,
        },
        { case_id: 'broken', network_id: 'n', task_id: 't3', task_status: 'failed', status: 'error', score: 0, passed: false, assertions: [], rubric: null, error: 'The task ended failed' },
      ],
    };
    expect(evalRunDetails(run, plainStyle).split('\n')).toEqual([
      'eval run 4c17a0f9-6d8e-4b1a-9c2f-0a1b2c3d4e51 "baseline": completed, 3/3 scored, mean score 0.50, 1 passed, 2 failed',
      '',
      'CASE    STATUS  SCORE               PASSED  FAILED ASSERTIONS',
      'ok      scored  1.00                yes     -',
      'weak    scored  0.50 (rubric 0.30)  no      max_length: 90 characters (at most 40); rubric: 0.30 (below 0.5)',
      'broken  error   0.00                no      error: The task ended failed',
    ]);
  });
});
