import { Assertion, CreateEvalRunBody, EVAL_LIMITS } from '@mesh/core';
import { simulatedRubricScore } from '../simulated-responders';
import { caseScore, checkAssertion, checkAssertions, jsonEquals, parseResultJson, valueAtPath } from './assertions';

const check = (assertion: unknown, content: string) => checkAssertion(Assertion.parse(assertion), content);

describe('evaluation assertions', () => {
  it('contains and not_contains ignore case unless case_sensitive', () => {
    expect(check({ type: 'contains', value: 'techpro x1' }, 'Meet TechPro X1')).toMatchObject({ passed: true, detail: 'contains "techpro x1"' });
    expect(check({ type: 'contains', value: 'techpro x1', case_sensitive: true }, 'Meet TechPro X1')).toMatchObject({ passed: false, detail: 'does not contain "techpro x1"' });
    expect(check({ type: 'not_contains', value: 'LOREM' }, 'lorem ipsum')).toMatchObject({ passed: false, detail: 'contains "LOREM"' });
    expect(check({ type: 'not_contains', value: 'LOREM', case_sensitive: true }, 'lorem ipsum')).toMatchObject({ passed: true });
  });

  it('regex matches anywhere, with its flags', () => {
    const subject = { type: 'regex', pattern: '^Subject: .{1,20}$', flags: 'm' };
    expect(check(subject, 'Hi\nSubject: TechPro X1 is here\nBye')).toMatchObject({ passed: true });
    expect(check(subject, 'Subject: TechPro X1 is here, now with AI')).toMatchObject({ passed: false, detail: 'does not match /^Subject: .{1,20}$/m' });
    expect(check({ type: 'regex', pattern: 'x1' }, 'TechPro X1').passed).toBe(false);
    expect(check({ type: 'regex', pattern: 'x1', flags: 'i' }, 'TechPro X1').passed).toBe(true);
  });

  it('json_field_equals reads the whole result or a fenced json block, by dot path, deep-equal', () => {
    const fenced = 'Here you go:\n```json\n{"send": {"day": "Tuesday", "hours": [9, 10]}, "ok": true}\n```\nThanks';
    expect(check({ type: 'json_field_equals', path: 'send.day', value: 'Tuesday' }, fenced)).toMatchObject({ passed: true, detail: 'send.day equals "Tuesday"' });
    expect(check({ type: 'json_field_equals', path: 'send.hours.1', value: 10 }, fenced).passed).toBe(true);
    expect(check({ type: 'json_field_equals', path: 'send', value: { hours: [9, 10], day: 'Tuesday' } }, fenced).passed).toBe(true);
    expect(check({ type: 'json_field_equals', path: 'send.day', value: 'Monday' }, fenced)).toMatchObject({ passed: false, detail: 'send.day is "Tuesday", expected "Monday"' });
    expect(check({ type: 'json_field_equals', path: 'send.minute', value: 0 }, fenced)).toMatchObject({ passed: false, detail: 'send.minute is missing' });
    expect(check({ type: 'json_field_equals', path: 'ok', value: true }, '{"ok": true}').passed).toBe(true);
    expect(check({ type: 'json_field_equals', path: 'ok', value: true }, 'not json at all')).toMatchObject({ passed: false, detail: expect.stringContaining('not JSON') });
    // Inherited properties are not fields of the result.
    expect(valueAtPath({}, 'constructor')).toEqual({ found: false });
    expect(valueAtPath([1, 2], '5')).toEqual({ found: false });
    expect(parseResultJson('```json\n[1, 2]\n```')).toEqual({ ok: true, value: [1, 2] });
    expect(jsonEquals({ a: [1, { b: null }] }, { a: [1, { b: null }] })).toBe(true);
    expect(jsonEquals({ a: 1 }, { a: 1, b: undefined })).toBe(false);
    expect(jsonEquals([1, 2], [2, 1])).toBe(false);
  });

  it('max_length counts characters', () => {
    expect(check({ type: 'max_length', value: 5 }, 'hello')).toMatchObject({ passed: true, detail: '5 characters (at most 5)' });
    expect(check({ type: 'max_length', value: 4 }, 'hello').passed).toBe(false);
  });

  it('scores a case: the fraction of assertions passed, averaged with the rubric; passed needs all of them and a rubric of 0.5', () => {
    const outcomes = checkAssertions(
      [
        { type: 'contains', value: 'TechPro' },
        { type: 'max_length', value: 3 },
        { type: 'not_contains', value: 'lorem' },
        { type: 'regex', pattern: 'X1' },
      ],
      'TechPro X1',
    );
    expect(outcomes.map((o) => o.passed)).toEqual([true, false, true, true]);
    expect(caseScore(outcomes, null, EVAL_LIMITS.rubricPassScore)).toEqual({ score: 0.75, passed: false });
    expect(caseScore(outcomes, 0.25, 0.5)).toEqual({ score: 0.5, passed: false });
    const allPassed = outcomes.filter((o) => o.passed);
    expect(caseScore(allPassed, 0.5, 0.5)).toEqual({ score: 0.75, passed: true });
    expect(caseScore(allPassed, 0.4, 0.5)).toEqual({ score: 0.7, passed: false });
    // A case judged by its rubric alone.
    expect(caseScore([], 0.8, 0.5)).toEqual({ score: 0.8, passed: true });
  });

  it('refuses cases that cannot be scored: no assertion nor rubric, a regex that does not compile, a duplicate id, no network', () => {
    const network_id = '0b6c7d8e-9f01-4a2b-8c3d-4e5f60718293';
    const issues = (body: unknown) => {
      const parsed = CreateEvalRunBody.safeParse(body);
      return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    expect(issues({ network_id, cases: [{ id: 'a', task: 'x', rubric: 'Good' }] })).toEqual([]);
    expect(issues({ network_id, cases: [{ id: 'a', task: 'x' }] })).toEqual(['cases.0.assertions: a case needs at least one assertion or a rubric']);
    expect(issues({ network_id, cases: [{ id: 'a', task: 'x', assertions: [] }] })).toEqual(['cases.0.assertions: a case needs at least one assertion or a rubric']);
    expect(issues({ network_id, cases: [{ id: 'a', task: 'x', assertions: [{ type: 'regex', pattern: '(unclosed' }] }] })[0]).toMatch(/^cases\.0\.assertions\.0\.pattern: does not compile/);
    expect(issues({ network_id, cases: [{ id: 'a', task: 'x', assertions: [{ type: 'regex', pattern: 'a', flags: 'g' }] }] })[0]).toMatch(/^cases\.0\.assertions\.0\.flags/);
    expect(issues({ network_id, cases: [{ id: 'a', task: 'x', rubric: 'r' }, { id: 'a', task: 'y', rubric: 'r' }] })).toEqual(['cases.1.id: case id "a" is used twice']);
    expect(issues({ cases: [{ id: 'a', task: 'x', rubric: 'r' }] })).toEqual(["cases.0.network_id: a case needs a network_id (its own or the run's)"]);
    expect(issues({ network_id, cases: [{ id: 'a b', task: 'x', rubric: 'r' }] })[0]).toMatch(/^cases\.0\.id/);
    expect(issues({ network_id, cases: [{ id: 'a', task: 'x', assertions: [{ type: 'starts_with', value: 'x' }] }] })[0]).toMatch(/^cases\.0\.assertions\.0/);
    expect(issues({ network_id, cases: [] })[0]).toMatch(/^cases/);
  });

  it('the simulated judge scores the share of the rubric\'s words the result contains', () => {
    expect(simulatedRubricScore('Mentions developers and speed', 'TechPro X1 helps developers ship')).toEqual({ score: 0.33, words: ['mentions', 'developers', 'speed'], found: ['developers'] });
    expect(simulatedRubricScore('a b c', 'anything').score).toBe(0);
  });
});
