import { z } from 'zod';
import { CoordinatorDecision } from '@mesh/core';
import { extractJson, parseStructured, toProviderJsonSchema } from './structured-output';

describe('extractJson', () => {
  it.each([
    ['{"a":1}', { a: 1 }],
    ['```json\n{"a":1}\n```', { a: 1 }],
    ['```\n[1,2]\n```', [1, 2]],
    ['Sure! Here it is:\n```json\n{"a": {"b": [1]}}\n```\nAnything else?', { a: { b: [1] } }],
    ['The answer is {"a": true} as requested.', { a: true }],
  ])('%j', (text, value) => {
    expect(extractJson(text)).toEqual(value);
  });

  it('throws a SyntaxError when there is no JSON', () => {
    expect(() => extractJson('no json here')).toThrow(SyntaxError);
  });
});

describe('parseStructured', () => {
  const Schema = z.object({ score: z.number().max(1), tags: z.array(z.string()) });

  it('validates with zod and names the problems', () => {
    expect(parseStructured('{"score": 0.5, "tags": []}', Schema)).toEqual({ ok: true, value: { score: 0.5, tags: [] } });
    const bad = parseStructured('{"score": 3}', Schema);
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.problem).toMatch(/score/);
      expect(bad.problem).toMatch(/tags/);
      expect(bad.details.map((d) => d.path)).toEqual(['score', 'tags']);
    }
  });
});

describe('toProviderJsonSchema', () => {
  it('closes objects, lists every property as required and moves unsupported constraints into descriptions', () => {
    const { schema, source, strictCompatible } = toProviderJsonSchema(CoordinatorDecision);
    expect(strictCompatible).toBe(true);
    expect(schema).not.toHaveProperty('$schema');
    expect(schema['additionalProperties']).toBe(false);
    const subtask = (schema['properties'] as any).subtasks.items;
    expect(subtask.additionalProperties).toBe(false);
    // `attachments` is optional in zod (old plans parse) but required on the wire, as strict modes want.
    expect(subtask.required).toEqual(['key', 'agent_type', 'description', 'depends_on', 'attachments']);
    expect(subtask.properties.key).toEqual({ type: 'string', description: '(minLength: 1, maxLength: 40)' });
    expect((source['properties'] as any).subtasks.items.properties.key.maxLength).toBe(40);
  });

  it('marks open-ended objects as not strict-compatible', () => {
    expect(toProviderJsonSchema(z.object({ scores: z.record(z.string(), z.number()) })).strictCompatible).toBe(false);
  });

  it('optional fields become required in the wire schema but stay optional for validation', () => {
    const Schema = z.object({ a: z.string(), b: z.string().optional() });
    expect(toProviderJsonSchema(Schema).schema['required']).toEqual(['a', 'b']);
    expect(parseStructured('{"a":"x"}', Schema).ok).toBe(true);
  });
});
