import { z, type ZodType } from 'zod';
import type { ErrorDetail } from '@mesh/core';

export type JsonSchema = Record<string, unknown>;

/**
 * Keywords not every provider's strict mode accepts (OpenAI rejects string lengths, Anthropic
 * numeric bounds, …). They move into the description, where the model still reads them, and
 * zod enforces them on the answer; the repair attempt fixes a violation.
 */
const CONSTRAINT_KEYWORDS = ['minLength', 'maxLength', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', 'pattern', 'format', 'minItems', 'maxItems', 'uniqueItems', 'minProperties', 'maxProperties'] as const;
const DROPPED_KEYWORDS = ['$schema', 'propertyNames', 'default', 'examples', 'readOnly', 'writeOnly', 'title'] as const;

export interface ProviderJsonSchema {
  schema: JsonSchema;
  /** z.toJSONSchema's own output, constraints included. */
  source: JsonSchema;
  /** False when some object has open-ended keys (z.record), which OpenAI's strict mode refuses. */
  strictCompatible: boolean;
}

function describeConstraints(node: JsonSchema): string | undefined {
  const parts: string[] = [];
  for (const key of CONSTRAINT_KEYWORDS) {
    if (node[key] !== undefined) parts.push(`${key}: ${JSON.stringify(node[key])}`);
  }
  return parts.length > 0 ? parts.join(', ') : undefined;
}

function sanitize(node: unknown, state: { strict: boolean }): unknown {
  if (Array.isArray(node)) return node.map((n) => sanitize(n, state));
  if (!node || typeof node !== 'object') return node;
  const source = node as JsonSchema;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(source)) {
    if ((CONSTRAINT_KEYWORDS as readonly string[]).includes(key) || (DROPPED_KEYWORDS as readonly string[]).includes(key)) continue;
    if (key === 'properties' && value && typeof value === 'object') {
      out[key] = Object.fromEntries(Object.entries(value as JsonSchema).map(([name, sub]) => [name, sanitize(sub, state)]));
    } else if (key === '$defs' || key === 'definitions') {
      out[key] = Object.fromEntries(Object.entries((value ?? {}) as JsonSchema).map(([name, sub]) => [name, sanitize(sub, state)]));
    } else if (key === 'additionalProperties' && value && typeof value === 'object') {
      state.strict = false;
      out[key] = sanitize(value, state);
    } else if (typeof value === 'object' && value !== null) {
      out[key] = sanitize(value, state);
    } else {
      out[key] = value;
    }
  }
  const constraints = describeConstraints(source);
  if (constraints) out['description'] = [source['description'], `(${constraints})`].filter(Boolean).join(' ');
  if (out['type'] === 'object' && out['properties'] && out['additionalProperties'] === undefined) {
    // Strict modes need closed objects with every property listed as required; optional zod
    // fields are still optional when the answer is validated.
    out['additionalProperties'] = false;
    out['required'] = Object.keys(out['properties'] as JsonSchema);
  }
  if (out['type'] === 'object' && !out['properties'] && out['additionalProperties'] === undefined) state.strict = false;
  return out;
}

/** The JSON schema sent to providers: zod 4's z.toJSONSchema of the input side, made portable. */
export function toProviderJsonSchema(schema: ZodType): ProviderJsonSchema {
  const raw = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const state = { strict: true };
  const sanitized = sanitize(raw, state) as JsonSchema;
  return { schema: sanitized, source: raw, strictCompatible: state.strict && sanitized['type'] === 'object' };
}

/** Provider schema names: OpenAI allows [a-zA-Z0-9_-]{1,64}. */
export function schemaToolName(name: string): string {
  const cleaned = name.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 64);
  return cleaned || 'output';
}

const FENCE = /```(?:json|JSON)?\s*\n?([\s\S]*?)```/;

/**
 * The JSON value in a model's text: plain, inside a ``` fence, or the outermost {...} / [...]
 * surrounded by prose. Throws SyntaxError when there is none.
 */
export function extractJson(text: string): unknown {
  const trimmed = text.trim();
  const candidates: string[] = [trimmed];
  const fenced = FENCE.exec(trimmed);
  if (fenced?.[1]) candidates.push(fenced[1].trim());
  for (const [open, close] of [
    ['{', '}'],
    ['[', ']'],
  ] as const) {
    const start = trimmed.indexOf(open);
    const end = trimmed.lastIndexOf(close);
    if (start >= 0 && end > start) candidates.push(trimmed.slice(start, end + 1));
  }
  let lastError: unknown;
  for (const candidate of candidates) {
    try {
      return JSON.parse(candidate);
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError instanceof SyntaxError ? lastError : new SyntaxError('no JSON value in the answer');
}

export type StructuredParse<T> = { ok: true; value: T } | { ok: false; problem: string; details: ErrorDetail[] };

/** Parses and validates a structured answer; on failure says what is wrong in words a model can act on. */
export function parseStructured<T>(text: string, schema: ZodType<T>): StructuredParse<T> {
  let json: unknown;
  try {
    json = extractJson(text);
  } catch (err) {
    return { ok: false, problem: `the answer is not valid JSON (${(err as Error).message})`, details: [{ path: '', message: 'not valid JSON' }] };
  }
  const result = schema.safeParse(json);
  if (result.success) return { ok: true, value: result.data };
  const details = result.error.issues.slice(0, 20).map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
  return { ok: false, problem: `the JSON does not match the schema: ${details.map((d) => `${d.path || '(root)'}: ${d.message}`).join('; ')}`, details };
}
