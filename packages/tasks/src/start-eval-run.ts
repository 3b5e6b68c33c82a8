import { describeError, NotFoundError, RateLimitedError, SubmitTaskBody, type CreateEvalRunBody, type EvalRun, type Task } from '@mesh/core';
import type { AdmissionDeps, TenantAdmission } from './tenant-admission';

export interface StartEvalRunOptions {
  /** The trace id the cases' tasks carry (the request's). */
  traceId?: string;
  /**
   * Starts one case's stored task through admission (default: `admission.startSubmitted`); the
   * API wraps it in the task's trace.
   */
  startCase?: (task: Task) => Promise<unknown>;
}

/** Cases whose tasks are created and started at once. */
const START_CONCURRENCY = 8;

/**
 * Starts an evaluation run: every case's network is the tenant's (404 otherwise) and may start
 * work (budgets), the whole run fits under the tenant's cap of unfinished tasks (429 otherwise,
 * nothing stored), then the run is stored and each case runs as an ordinary task, started through
 * admission like `POST …/tasks` with `process: true`. A case whose task could not be started is
 * scored as an error at once. Scoring happens when each task ends (see announceTaskStatus).
 */
export async function startEvalRun(
  deps: AdmissionDeps,
  admission: TenantAdmission,
  tenantId: string,
  body: CreateEvalRunBody,
  options: StartEvalRunOptions = {},
): Promise<EvalRun> {
  const cases = body.cases.map((c) => ({ ...c, networkId: (c.network_id ?? body.network_id)! }));
  const networkIds = [...new Set(cases.map((c) => c.networkId))];
  for (const networkId of networkIds) {
    if (!(await deps.store.networks.exists(tenantId, networkId))) throw new NotFoundError('Network', networkId);
  }
  for (const networkId of networkIds) await admission.assertMayStart(deps, tenantId, networkId);
  const cap = deps.config.limits.maxQueuedTasksPerTenant;
  if (cap > 0) {
    const unfinished = await deps.store.tasks.countUnfinished(tenantId);
    if (unfinished + cases.length > cap) {
      throw new RateLimitedError(
        `The run's ${cases.length} tasks do not fit under the tenant's limit of ${cap} queued or running tasks (${unfinished} now); run fewer cases at once or when some have finished`,
        5,
      );
    }
  }
  const run = await deps.store.evals.create(tenantId, {
    label: body.label ?? null,
    cases: cases.map((c) => ({ caseId: c.id, networkId: c.networkId, spec: { task: c.task, context: c.context ?? {}, assertions: c.assertions ?? [], rubric: c.rubric ?? null } })),
  });
  const startCase = options.startCase ?? ((task: Task) => admission.startSubmitted(deps, tenantId, task.id));
  const runCase = async (c: (typeof cases)[number]): Promise<void> => {
    try {
      const task = await deps.store.tasks.create(tenantId, c.networkId, SubmitTaskBody.parse({ task: c.task, context: c.context ?? {}, process: true }), options.traceId ? { traceId: options.traceId } : {});
      if (!task) throw new NotFoundError('Network', c.networkId);
      // Linked before it starts: its end always finds its case.
      await deps.store.evals.linkTask(tenantId, run.eval_run_id, c.id, task.id);
      await startCase(task);
    } catch (err) {
      deps.logger.warn('could not start the task of an evaluation case', { eval_run_id: run.eval_run_id, case_id: c.id, error: describeError(err) });
      await deps.store.evals.recordScore(tenantId, run.eval_run_id, c.id, { status: 'error', score: 0, passed: false, assertions: [], rubric: null, error: `The case's task could not be started: ${describeError(err)}` });
    }
  };
  for (let i = 0; i < cases.length; i += START_CONCURRENCY) await Promise.all(cases.slice(i, i + START_CONCURRENCY).map(runCase));
  await deps.store.evals.completeIfDone(tenantId, run.eval_run_id);
  deps.logger.info('evaluation run started', { eval_run_id: run.eval_run_id, cases: cases.length, networks: networkIds.length });
  return (await deps.store.evals.get(tenantId, run.eval_run_id)) ?? run;
}
