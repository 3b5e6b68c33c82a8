import { z } from 'zod';

/** Keys that could reach a prototype when a JSON document is merged into an object. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export const JSON_LIMITS = {
  maxDepth: 10,
  maxKeys: 2_000,
  maxStringLength: 100_000,
} as const;

// Lone surrogates are invalid unicode: Postgres JSONB and most providers reject them.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when the string is safe to store and send on: no NUL byte, no lone surrogate. */
export function isCleanString(value: string): boolean {
  return !value.includes('\u0000') && !LONE_SURROGATE.test(value);
}

/**
 * Finds the first problem in an arbitrary JSON value (from a request body or a model):
 * too deep, too many keys, prototype keys, NUL bytes or lone surrogates, non-finite numbers.
 */
export function findJsonProblem(value: unknown, path: (string | number)[] = [], state = { keys: 0 }): { path: (string | number)[]; message: string } | null {
  if (path.length > JSON_LIMITS.maxDepth) return { path, message: `nested deeper than ${JSON_LIMITS.maxDepth} levels` };
  if (value === null || typeof value === 'boolean') return null;
  if (typeof value === 'number') return Number.isFinite(value) ? null : { path, message: 'number must be finite' };
  if (typeof value === 'string') {
    if (value.length > JSON_LIMITS.maxStringLength) return { path, message: `string longer than ${JSON_LIMITS.maxStringLength} characters` };
    return isCleanString(value) ? null : { path, message: 'string contains a NUL byte or invalid unicode' };
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const problem = findJsonProblem(value[i], [...path, i], state);
      if (problem) return problem;
    }
    return null;
  }
  if (typeof value === 'object') {
    for (const key of Object.keys(value)) {
      state.keys++;
      if (state.keys > JSON_LIMITS.maxKeys) return { path, message: `more than ${JSON_LIMITS.maxKeys} keys` };
      if (FORBIDDEN_KEYS.has(key)) return { path: [...path, key], message: `key "${key}" is not allowed` };
      if (!isCleanString(key)) return { path, message: 'key contains a NUL byte or invalid unicode' };
      const problem = findJsonProblem((value as Record<string, unknown>)[key], [...path, key], state);
      if (problem) return problem;
    }
    return null;
  }
  return { path, message: `unsupported value of type ${typeof value}` };
}

/** A free-form JSON object (task context, metadata, shared context) that passed `findJsonProblem`. */
export const JsonObject = z
  .record(z.string(), z.unknown())
  .superRefine((value, ctx) => {
    const problem = findJsonProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem.message, path: problem.path });
  });
export type JsonObject = Record<string, unknown>;

/** Trimmed text without NUL bytes or invalid unicode. */
export function cleanText(options: { min?: number; max: number }) {
  return z
    .string()
    .trim()
    .min(options.min ?? 0)
    .max(options.max)
    .refine(isCleanString, { message: 'must not contain NUL bytes or invalid unicode' });
}
