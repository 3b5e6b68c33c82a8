import { z } from 'zod';
import { cleanText, findJsonProblem, JsonObject } from './json';
import { TASK_LIMITS } from './task';

/*
 * Evaluations: a set of cases (a task, its context and network, and how to judge the answer) run
 * through the mesh, each result scored by assertions and optionally a rubric a judge model scores,
 * stored as a run; two runs compared show which cases got better or worse.
 */

export const EVAL_LIMITS = {
  maxCases: 200,
  maxAssertions: 20,
  maxRubricLength: 2_000,
  maxLabelLength: 200,
  maxValueLength: 2_000,
  maxPatternLength: 500,
  maxListLimit: 100,
  defaultListLimit: 20,
  /** A rubric score at or above this passes the case (with every assertion passed). */
  rubricPassScore: 0.5,
} as const;

const Text = cleanText({ min: 1, max: EVAL_LIMITS.maxValueLength });

/** Any JSON value (the expected value of a json_field_equals). */
const JsonValue = z.unknown().superRefine((value, ctx) => {
  if (value === undefined) {
    ctx.addIssue({ code: 'custom', message: 'a JSON value is required' });
    return;
  }
  const problem = findJsonProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem.message, path: problem.path });
});

/** Flags a JavaScript regular expression may carry (no `g` or `y`: a test must not keep state). */
const RegexFlags = z.string().regex(/^(?!.*(.).*\1)[imsu]{0,4}$/, 'must be some of i, m, s, u, each at most once');

export const Assertion = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('contains'), value: Text, case_sensitive: z.boolean().optional() }),
  z.strictObject({ type: z.literal('not_contains'), value: Text, case_sensitive: z.boolean().optional() }),
  z
    .strictObject({ type: z.literal('regex'), pattern: z.string().min(1).max(EVAL_LIMITS.maxPatternLength), flags: RegexFlags.optional() })
    .superRefine((a, ctx) => {
      try {
        new RegExp(a.pattern, a.flags ?? '');
      } catch (err) {
        ctx.addIssue({ code: 'custom', path: ['pattern'], message: `does not compile: ${err instanceof Error ? err.message : String(err)}` });
      }
    }),
  z.strictObject({
    type: z.literal('json_field_equals'),
    /** A dot path into the result parsed as JSON (`a.b.0.c`: array items by index). */
    path: z.string().min(1).max(200).regex(/^[^.]+(\.[^.]+)*$/, 'must be a dot path such as subject or variants.0.title'),
    value: JsonValue,
  }),
  z.strictObject({ type: z.literal('max_length'), value: z.int().min(1).max(TASK_LIMITS.maxTaskLength * 100) }),
]);
export type Assertion = z.infer<typeof Assertion>;
export type AssertionType = Assertion['type'];

export const EvalCase = z
  .strictObject({
    id: z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/, 'must be 1–100 letters, digits, _, . or -'),
    task: cleanText({ min: 1, max: TASK_LIMITS.maxTaskLength }),
    context: JsonObject.optional(),
    /** The network this case runs in (default: the run's network_id). */
    network_id: z.uuid().optional(),
    assertions: z.array(Assertion).max(EVAL_LIMITS.maxAssertions).optional(),
    /** What a good answer does, for a judge model to score 0..1. */
    rubric: cleanText({ min: 1, max: EVAL_LIMITS.maxRubricLength }).optional(),
  })
  .refine((c) => (c.assertions?.length ?? 0) > 0 || c.rubric !== undefined, { message: 'a case needs at least one assertion or a rubric', path: ['assertions'] });
export type EvalCase = z.infer<typeof EvalCase>;

/** `POST /evals`. */
export const CreateEvalRunBody = z
  .strictObject({
    label: cleanText({ min: 1, max: EVAL_LIMITS.maxLabelLength }).optional(),
    /** The network of every case that names none. */
    network_id: z.uuid().optional(),
    cases: z.array(EvalCase).min(1).max(EVAL_LIMITS.maxCases),
  })
  .superRefine((body, ctx) => {
    const seen = new Set<string>();
    body.cases.forEach((c, i) => {
      if (seen.has(c.id)) ctx.addIssue({ code: 'custom', path: ['cases', i, 'id'], message: `case id "${c.id}" is used twice` });
      seen.add(c.id);
      if (!c.network_id && !body.network_id) ctx.addIssue({ code: 'custom', path: ['cases', i, 'network_id'], message: 'a case needs a network_id (its own or the run\'s)' });
    });
  });
export type CreateEvalRunBody = z.infer<typeof CreateEvalRunBody>;

export const EvalListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(EVAL_LIMITS.maxListLimit).default(EVAL_LIMITS.defaultListLimit),
});
export type EvalListQuery = z.infer<typeof EvalListQuery>;

export const EvalRunParams = z.strictObject({ eval_run_id: z.uuid() });
export type EvalRunParams = z.infer<typeof EvalRunParams>;

export const EvalCompareQuery = z.strictObject({ a: z.uuid(), b: z.uuid() });
export type EvalCompareQuery = z.infer<typeof EvalCompareQuery>;

export const EvalCaseStatus = z.enum(['pending', 'running', 'scored', 'error']);
export type EvalCaseStatus = z.infer<typeof EvalCaseStatus>;

export const AssertionOutcome = z.object({ type: z.string(), passed: z.boolean(), detail: z.string() });
export type AssertionOutcome = z.infer<typeof AssertionOutcome>;

/** What the judge model answers about one result and its rubric (structured output). */
export const RubricVerdict = z.object({
  score: z.number().min(0).max(1),
  explanation: z.string().max(4_000),
});
export type RubricVerdict = z.infer<typeof RubricVerdict>;

export const EvalCaseResult = z.object({
  case_id: z.string(),
  network_id: z.uuid(),
  task_id: z.uuid().nullable(),
  task_status: z.string().nullable(),
  status: EvalCaseStatus,
  /** The fraction of assertions passed, averaged with the rubric score when there is one. */
  score: z.number().min(0).max(1).nullable(),
  /** Every assertion passed and the rubric (if any) scored at least 0.5. */
  passed: z.boolean().nullable(),
  assertions: z.array(AssertionOutcome),
  rubric: RubricVerdict.nullable(),
  error: z.string().nullable(),
});
export type EvalCaseResult = z.infer<typeof EvalCaseResult>;

export const EvalRunStatus = z.enum(['running', 'completed']);
export type EvalRunStatus = z.infer<typeof EvalRunStatus>;

export const EvalRun = z.object({
  eval_run_id: z.uuid(),
  label: z.string().nullable(),
  status: EvalRunStatus,
  created_at: z.string(),
  completed_at: z.string().nullable(),
  cases_total: z.int(),
  cases_scored: z.int(),
  mean_score: z.number().nullable(),
  passed: z.int(),
  failed: z.int(),
  results: z.array(EvalCaseResult).optional(),
});
export type EvalRun = z.infer<typeof EvalRun>;

export const EvalRunBody = z.object({ eval_run: EvalRun });
export type EvalRunBody = z.infer<typeof EvalRunBody>;

export const EvalRunList = z.object({ eval_runs: z.array(EvalRun) });
export type EvalRunList = z.infer<typeof EvalRunList>;

export const EvalCaseChange = z.enum(['better', 'worse', 'same', 'added', 'removed']);
export type EvalCaseChange = z.infer<typeof EvalCaseChange>;

export const EvalComparison = z.object({
  a: EvalRun,
  b: EvalRun,
  cases: z.array(z.object({ case_id: z.string(), a_score: z.number().nullable(), b_score: z.number().nullable(), change: EvalCaseChange })),
  better: z.int(),
  worse: z.int(),
  same: z.int(),
});
export type EvalComparison = z.infer<typeof EvalComparison>;

/** How each case's score moved from run `a` to run `b` (scores equal within 1e-9 are the same). */
export function compareEvalRuns(a: EvalRun, b: EvalRun): EvalComparison {
  const scoresA = new Map((a.results ?? []).map((r) => [r.case_id, r.score]));
  const scoresB = new Map((b.results ?? []).map((r) => [r.case_id, r.score]));
  const ids = [...new Set([...scoresA.keys(), ...scoresB.keys()])];
  const cases = ids.map((case_id) => {
    const inA = scoresA.has(case_id);
    const inB = scoresB.has(case_id);
    const a_score = scoresA.get(case_id) ?? null;
    const b_score = scoresB.get(case_id) ?? null;
    const change: EvalCaseChange = !inA ? 'added' : !inB ? 'removed' : Math.abs((b_score ?? 0) - (a_score ?? 0)) < 1e-9 ? 'same' : (b_score ?? 0) > (a_score ?? 0) ? 'better' : 'worse';
    return { case_id, a_score, b_score, change };
  });
  const count = (c: EvalCaseChange) => cases.filter((x) => x.change === c).length;
  const { results: _a, ...runA } = a;
  const { results: _b, ...runB } = b;
  return { a: runA, b: runB, cases, better: count('better'), worse: count('worse'), same: count('same') };
}
