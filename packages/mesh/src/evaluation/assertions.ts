import type { Assertion, AssertionOutcome } from '@mesh/core';
import { truncate } from '../data-blocks';

/*
 * The assertions of an evaluation case, as pure functions of the task result's content. Each
 * says whether it passed and, briefly, why: the detail is what a person reads in the run's table.
 */

const quoted = (text: string) => JSON.stringify(truncate(text, 80));

/** The content parsed as JSON: the whole of it, or else the first fenced ```json block in it. */
export function parseResultJson(content: string): { ok: true; value: unknown } | { ok: false } {
  const attempts = [content.trim()];
  const fenced = /```json\s*\n([\s\S]*?)```/i.exec(content);
  if (fenced?.[1] !== undefined) attempts.push(fenced[1].trim());
  for (const text of attempts) {
    try {
      return { ok: true, value: JSON.parse(text) as unknown };
    } catch {
      // try the next reading
    }
  }
  return { ok: false };
}

/** The value at a dot path (`a.b.0.c`); array items by index. */
export function valueAtPath(value: unknown, path: string): { found: true; value: unknown } | { found: false } {
  let current = value;
  for (const key of path.split('.')) {
    if (Array.isArray(current) && /^\d+$/.test(key) && Number(key) < current.length) current = current[Number(key)];
    else if (current !== null && typeof current === 'object' && !Array.isArray(current) && Object.prototype.hasOwnProperty.call(current, key)) current = (current as Record<string, unknown>)[key];
    else return { found: false };
  }
  return { found: true, value: current };
}

/** Deep equality of JSON values (object keys in any order). */
export function jsonEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEquals(x, b[i]));
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  return keysA.length === keysB.length && keysA.every((k) => Object.prototype.hasOwnProperty.call(b, k) && jsonEquals((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

function includes(content: string, value: string, caseSensitive: boolean | undefined): boolean {
  return caseSensitive ? content.includes(value) : content.toLowerCase().includes(value.toLowerCase());
}

export function checkAssertion(assertion: Assertion, content: string): AssertionOutcome {
  switch (assertion.type) {
    case 'contains': {
      const passed = includes(content, assertion.value, assertion.case_sensitive);
      return { type: assertion.type, passed, detail: `${passed ? 'contains' : 'does not contain'} ${quoted(assertion.value)}` };
    }
    case 'not_contains': {
      const found = includes(content, assertion.value, assertion.case_sensitive);
      return { type: assertion.type, passed: !found, detail: `${found ? 'contains' : 'does not contain'} ${quoted(assertion.value)}` };
    }
    case 'regex': {
      const passed = new RegExp(assertion.pattern, assertion.flags ?? '').test(content);
      return { type: assertion.type, passed, detail: `${passed ? 'matches' : 'does not match'} /${truncate(assertion.pattern, 80)}/${assertion.flags ?? ''}` };
    }
    case 'json_field_equals': {
      const parsed = parseResultJson(content);
      if (!parsed.ok) return { type: assertion.type, passed: false, detail: 'the result is not JSON (nor does it hold a ```json block)' };
      const field = valueAtPath(parsed.value, assertion.path);
      if (!field.found) return { type: assertion.type, passed: false, detail: `${assertion.path} is missing` };
      const passed = jsonEquals(field.value, assertion.value);
      return { type: assertion.type, passed, detail: passed ? `${assertion.path} equals ${truncate(JSON.stringify(assertion.value), 80)}` : `${assertion.path} is ${truncate(JSON.stringify(field.value) ?? 'undefined', 80)}, expected ${truncate(JSON.stringify(assertion.value), 80)}` };
    }
    case 'max_length': {
      const passed = content.length <= assertion.value;
      return { type: assertion.type, passed, detail: `${content.length} characters (at most ${assertion.value})` };
    }
    default: {
      const unreachable: never = assertion;
      throw new Error(`unknown assertion ${JSON.stringify(unreachable)}`);
    }
  }
}

export function checkAssertions(assertions: readonly Assertion[], content: string): AssertionOutcome[] {
  return assertions.map((a) => checkAssertion(a, content));
}

/**
 * A case's score: the fraction of assertions passed, averaged with the rubric's score when there
 * is one; it passes when every assertion passed and the rubric (if any) scored at least `passScore`.
 */
export function caseScore(assertions: readonly AssertionOutcome[], rubricScore: number | null, passScore: number): { score: number; passed: boolean } {
  const allPassed = assertions.every((a) => a.passed);
  const fraction = assertions.length === 0 ? null : assertions.filter((a) => a.passed).length / assertions.length;
  const parts = [fraction, rubricScore].filter((x): x is number => x !== null);
  const score = parts.length === 0 ? 0 : parts.reduce((a, b) => a + b, 0) / parts.length;
  return { score, passed: allPassed && (rubricScore === null || rubricScore >= passScore) };
}
