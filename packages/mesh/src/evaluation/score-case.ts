import { describeError, EVAL_LIMITS, isBudgetExhausted, isTerminalTaskStatus } from '@mesh/core';
import type { EvaluateJob } from '@mesh/queue';
import type { EvalCaseRow, EvalScore } from '@mesh/store';
import type { EngineDeps } from '../engine-deps';
import { isModelFailure } from '../errors';
import { caseScore, checkAssertions } from './assertions';
import { judgeRubric } from './judge';

const errorScore = (error: string, assertions: EvalScore['assertions'] = []): EvalScore => ({ status: 'error', score: 0, passed: false, assertions, rubric: null, error });

/**
 * `evaluate`: scores one case of an evaluation run once its task has ended — its assertions
 * against the result's content, and its rubric by a judge model — and completes the run when it
 * was the last case. Idempotent: a case is scored once (guarded in SQL); a repeated job changes
 * nothing, a job for a task that has not ended does nothing (its end enqueues the job again).
 */
export async function runEvaluate(deps: EngineDeps, job: EvaluateJob): Promise<void> {
  const evalCase = await deps.store.evals.getCase(job.tenantId, job.runId, job.caseId);
  if (evalCase && (evalCase.status === 'pending' || evalCase.status === 'running')) {
    const score = await scoreCase(deps, evalCase);
    if (!score) return;
    if (await deps.store.evals.recordScore(job.tenantId, job.runId, job.caseId, score)) {
      deps.logger.info('evaluation case scored', { eval_run_id: job.runId, case_id: job.caseId, task_id: evalCase.task_id, status: score.status, score: score.score, passed: score.passed });
    }
  }
  if (await deps.store.evals.completeIfDone(job.tenantId, job.runId)) deps.logger.info('evaluation run completed', { eval_run_id: job.runId });
}

/** The case's score, or null while its task is still running. */
async function scoreCase(deps: EngineDeps, evalCase: EvalCaseRow): Promise<EvalScore | null> {
  if (!evalCase.task_id) return errorScore(evalCase.status === 'pending' ? "The case's task was never started" : "The case's task was deleted");
  const task = await deps.store.tasks.getRow(evalCase.tenant_id, evalCase.task_id);
  if (!task) return errorScore("The case's task was deleted");
  if (!isTerminalTaskStatus(task.status)) return null;
  if (task.status !== 'completed' || !task.result) return errorScore(`The task ended ${task.status}${task.error ? `: ${task.error}` : ''}`);
  const content = task.result.content;
  const assertions = checkAssertions(evalCase.spec.assertions, content);
  let rubric = null;
  if (evalCase.spec.rubric !== null) {
    try {
      rubric = await judgeRubric(deps, { tenantId: evalCase.tenant_id, networkId: evalCase.network_id, task: evalCase.spec.task, rubric: evalCase.spec.rubric, result: content });
    } catch (err) {
      // The model layer has already retried and fallen back: a retry of the job would not help.
      if (isModelFailure(err) || isBudgetExhausted(err)) return errorScore(`The judge could not score the rubric: ${describeError(err)}`, assertions);
      throw err;
    }
  }
  const { score, passed } = caseScore(assertions, rubric?.score ?? null, EVAL_LIMITS.rubricPassScore);
  return { status: 'scored', score, passed, assertions, rubric, error: null };
}

/** The scoring job gave up (its attempts are exhausted): the case is an error, so the run can still complete. */
export async function failEvaluation(deps: EngineDeps, job: EvaluateJob, reason: string): Promise<void> {
  await deps.store.evals.recordScore(job.tenantId, job.runId, job.caseId, errorScore(`Scoring failed: ${reason}`));
  await deps.store.evals.completeIfDone(job.tenantId, job.runId);
}
