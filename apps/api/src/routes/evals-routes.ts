import { compareEvalRuns, CreateEvalRunBody, EvalCompareQuery, EvalComparison, EvalListQuery, EvalRunBody, EvalRunList, EvalRunParams, NotFoundError, type EvalRun } from '@mesh/core';
import { startEvalRun } from '@mesh/tasks';
import type { ApiDeps } from '../api-deps';
import { currentTraceId, withTaskTrace } from '../task-trace';
import { defineRoute, type RouteDefinition } from './route-definition';

const TAG = 'evals';

/** The run with its results, or 404 (another tenant's looks exactly like a missing one). */
async function loadRun(deps: ApiDeps, tenantId: string, runId: string): Promise<EvalRun> {
  const run = await deps.store.evals.get(tenantId, runId);
  if (!run) throw new NotFoundError('Evaluation run', runId);
  return run;
}

/** Evaluations: run a set of cases through the mesh, score them, compare two runs. The coordinator scores; the API only stores and reads. */
export const evalRoutes: RouteDefinition[] = [
  defineRoute({
    method: 'post',
    path: '/evals',
    summary:
      "Start an evaluation run: each case's task runs through the mesh as an ordinary task (admission, budgets and fair scheduling apply), and when it ends the coordinator scores its result with the case's assertions and, if it has one, its rubric (a judge model). Follow the run with GET /evals/{eval_run_id}",
    tag: TAG,
    body: CreateEvalRunBody,
    responses: { 202: { description: 'Accepted: the run, its cases running', schema: EvalRunBody } },
    errors: [400, 402, 404, 413, 415, 503],
    async handle({ deps, tenantId, body }) {
      const traceId = currentTraceId();
      const run = await startEvalRun(deps, deps.admission, tenantId, body, {
        ...(traceId ? { traceId } : {}),
        startCase: (task) => withTaskTrace(deps, task, (trace) => deps.admission.startSubmitted(deps, tenantId, task.id, trace)),
      });
      const result: EvalRunBody = { eval_run: run };
      return { status: 202, body: result };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/evals',
    summary: "The tenant's evaluation runs, newest first (without their cases' results)",
    tag: TAG,
    query: EvalListQuery,
    responses: { 200: { description: 'The runs', schema: EvalRunList } },
    errors: [400],
    async handle({ deps, tenantId, query }) {
      const body: EvalRunList = { eval_runs: await deps.store.evals.list(tenantId, query.limit) };
      return { status: 200, body };
    },
  }),
  // Before /evals/:eval_run_id, which would otherwise read `compare` as a run id.
  defineRoute({
    method: 'get',
    path: '/evals/compare',
    summary: 'Compare two evaluation runs case by case: which cases scored better or worse in `b` than in `a`, which stayed the same, and which are only in one of them',
    tag: TAG,
    query: EvalCompareQuery,
    responses: { 200: { description: 'Both runs and each case\'s change', schema: EvalComparison } },
    errors: [400, 404],
    async handle({ deps, tenantId, query }) {
      const [a, b] = await Promise.all([loadRun(deps, tenantId, query.a), loadRun(deps, tenantId, query.b)]);
      return { status: 200, body: compareEvalRuns(a, b) };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/evals/:eval_run_id',
    summary: "An evaluation run with each case's result: its task, status, score, assertions and rubric verdict",
    tag: TAG,
    params: EvalRunParams,
    responses: { 200: { description: 'The run with its results', schema: EvalRunBody } },
    errors: [400, 404],
    async handle({ deps, tenantId, params }) {
      const body: EvalRunBody = { eval_run: await loadRun(deps, tenantId, params.eval_run_id) };
      return { status: 200, body };
    },
  }),
];
