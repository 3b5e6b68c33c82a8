import { describeError } from '@mesh/core';
import { agentQueueName, COORDINATOR_QUEUE, jobIds, WEBHOOKS_QUEUE } from '@mesh/queue';
import { resumeTraceContext } from '@mesh/observability';
import type { LeaderLock, SubtaskRow, TaskRow } from '@mesh/store';
import type { EngineDeps } from './engine-deps';
import { announceApprovalDecided, stopTask } from '@mesh/tasks';
import { settleParked } from './human-loop/parked-subtasks';
import { UnservedSubtasks } from './fleet/unserved-subtasks';
import { expectedJob, lastWaveNumber } from './waves';

/** A case still without a task this long after its run was created was never started (the request that created it died). */
const EVAL_CASE_ABANDONED_MS = 10 * 60_000;

export interface RecoverySweeperOptions {
  intervalMs: number;
  /** A task is looked at once nothing about it has changed for this long. */
  quietMs?: number;
  /** Tasks examined per sweep. */
  batchSize?: number;
  /**
   * How often the leader looks for tables with stale planner statistics between sweeps: a new
   * deployment's tables grow fastest while they are young, when plans go wrong soonest.
   */
  statisticsIntervalMs?: number;
  /** How long an agent type may go unserved before its queued subtasks fail (needs the engine's fleet view). */
  unservedGraceMs?: number;
  /** What model calls sent and got back is deleted after this long (MESH_LLM_PROMPT_RETENTION_DAYS); 0: never. */
  promptRetentionMs?: number;
}

export interface SweepReport {
  leader: boolean;
  examined: number;
  timedOut: number;
  redispatched: { step: number; wave: number; finalize: number; deadline: number; webhook: number; resume: number; evaluate: number };
  /** Requests for a person that expired in this sweep. */
  expiredApprovals: number;
  /** Queued subtasks failed because no worker served their type for the grace period. */
  unservedFailed: number;
  /** Tables whose planner statistics the sweep refreshed. */
  analyzed: string[];
  /** Model calls whose prompt and answer passed their retention and were deleted. */
  prunedCallDetails: number;
}

/**
 * Postgres is the system of record; Redis may lose everything (a restart without persistence,
 * a failover). The sweeper runs in every coordinator process, but only the leader (advisory lock)
 * sweeps: for each unfinished task that has been quiet for a while it works out, from the task's
 * state in Postgres, which job should exist next, and dispatches it again when Redis no longer
 * has it. Handlers are idempotent, so a re-dispatched job never duplicates stored work.
 */
export class RecoverySweeper {
  private readonly lock: LeaderLock;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<SweepReport> | undefined;
  private readonly options: Required<RecoverySweeperOptions>;
  private readonly unserved: UnservedSubtasks;

  constructor(
    private readonly deps: EngineDeps,
    options: RecoverySweeperOptions,
  ) {
    this.options = { quietMs: Math.max(2 * options.intervalMs, 5_000), batchSize: 500, statisticsIntervalMs: 5_000, unservedGraceMs: 30_000, promptRetentionMs: 0, ...options };
    this.lock = deps.store.leaderLock('recovery-sweeper');
    this.unserved = new UnservedSubtasks(deps, this.options.unservedGraceMs);
  }

  start(): void {
    const tickMs = Math.min(this.options.intervalMs, this.options.statisticsIntervalMs);
    let lastSweepAt = Date.now();
    const tick = () => {
      const due = Date.now() - lastSweepAt >= this.options.intervalMs - tickMs / 2;
      if (due) lastSweepAt = Date.now();
      this.running = (due ? this.sweep() : this.refreshStatistics())
        .catch((err: unknown) => {
          this.deps.logger.warn('recovery sweep failed', { error: describeError(err) });
          return emptyReport();
        })
        .finally(() => {
          this.running = undefined;
          if (this.timer) this.timer = setTimeout(tick, tickMs);
        });
    };
    this.timer = setTimeout(tick, tickMs);
  }

  /** Between sweeps: only the statistics, if this process leads. */
  private async refreshStatistics(): Promise<SweepReport> {
    const report = emptyReport();
    if (!(await this.lock.tryAcquire())) return report;
    report.leader = true;
    await this.refreshStale(report);
    return report;
  }

  private async refreshStale(report: SweepReport): Promise<void> {
    // The leader keeps the planner's statistics fresh when autovacuum does not (see TableStatistics).
    try {
      report.analyzed = await this.deps.store.statistics.refreshStale();
      if (report.analyzed.length > 0) this.deps.logger.debug('refreshed planner statistics', { tables: report.analyzed });
    } catch (err) {
      this.deps.logger.warn('could not refresh planner statistics', { error: describeError(err) });
    }
  }

  async stop(): Promise<void> {
    const timer = this.timer;
    this.timer = undefined;
    if (timer) clearTimeout(timer);
    await this.running;
    await this.lock.release();
  }

  /** One sweep, if this process leads. */
  async sweep(): Promise<SweepReport> {
    const report = emptyReport();
    if (!(await this.lock.tryAcquire())) return report;
    report.leader = true;
    const { store } = this.deps;

    for (const task of await store.tasks.pastDeadline(this.options.batchSize)) {
      const stopped = await stopTask(this.deps, task.tenant_id, task.id, 'timed_out', `The task did not finish within its deadline (${task.timeout_seconds} s timeout)`);
      if (stopped) report.timedOut += 1;
    }

    await this.sweepApprovals(report);
    // Fair scheduling's counts, from the system of record.
    await store.tasks
      .unfinishedByTenant()
      .then((counts) => this.deps.queues.load.resync(counts))
      .catch((err: unknown) => this.deps.logger.warn('could not reset the tenants\' loads', { error: describeError(err) }));
    report.unservedFailed = await this.unserved.check().catch((err: unknown) => {
      this.deps.logger.warn('could not check for unserved agent types', { error: describeError(err) });
      return 0;
    });

    const quiet = await store.tasks.quietUnfinished(this.options.quietMs, this.options.batchSize);
    report.examined = quiet.length;
    for (const task of quiet) {
      try {
        await this.recover(task, report);
      } catch (err) {
        this.deps.logger.warn('could not recover a task', { task_id: task.id, error: describeError(err) });
      }
    }
    // A finished task whose webhook job Redis lost still owes its delivery.
    for (const task of await store.tasks.owedWebhooks(this.options.quietMs, this.options.batchSize)) {
      try {
        if (await this.deps.queues.isLive(WEBHOOKS_QUEUE, jobIds.webhook(task.id))) continue;
        await this.deps.queues.removeEnded(WEBHOOKS_QUEUE, jobIds.webhook(task.id));
        const trace = resumeTraceContext(task.trace_id);
        await this.deps.queues.enqueueWebhook({ tenantId: task.tenant_id, taskId: task.id, ...(trace ? { trace } : {}) });
        report.redispatched.webhook += 1;
      } catch (err) {
        this.deps.logger.warn('could not re-enqueue a webhook', { task_id: task.id, error: describeError(err) });
      }
    }
    await this.sweepEvaluations(report);
    if (this.options.promptRetentionMs > 0) {
      report.prunedCallDetails = await store.llmCalls.pruneDetails(new Date(Date.now() - this.options.promptRetentionMs)).catch((err: unknown) => {
        this.deps.logger.warn('could not prune recorded prompts', { error: describeError(err) });
        return 0;
      });
    }
    await this.refreshStale(report);
    const total = Object.values(report.redispatched).reduce((a, b) => a + b, 0) + report.timedOut;
    if (total > 0) this.deps.logger.warn('recovery sweep re-dispatched lost work', { ...report.redispatched, timed_out: report.timedOut, examined: report.examined });
    return report;
  }

  /**
   * Requests nobody decided in time expire (they count as rejected) and their continuations are
   * enqueued; a decision whose continuation job Redis lost is enqueued again.
   */
  private async sweepApprovals(report: SweepReport): Promise<void> {
    const { store, queues } = this.deps;
    for (const approval of await store.approvals.expireDue(this.options.batchSize)) {
      await announceApprovalDecided(this.deps, approval, approval.task_priority);
      report.expiredApprovals += 1;
    }
    for (const approval of await store.approvals.unresumed(this.options.quietMs, this.options.batchSize)) {
      try {
        if (await queues.isLive(COORDINATOR_QUEUE, jobIds.resume(approval.id))) continue;
        await queues.removeEnded(COORDINATOR_QUEUE, jobIds.resume(approval.id));
        const trace = resumeTraceContext(approval.task_trace_id);
        await queues.enqueueResume({ tenantId: approval.tenant_id, taskId: approval.task_id, approvalId: approval.id, ...(trace ? { trace } : {}) }, approval.task_priority);
        report.redispatched.resume += 1;
      } catch (err) {
        this.deps.logger.warn('could not re-enqueue the continuation of a decision', { approval_id: approval.id, error: describeError(err) });
      }
    }
  }

  /**
   * An evaluation case whose task has ended but which is still unscored (its scoring job was lost,
   * or the process stopped before enqueueing it) is scored again; a run whose cases are all scored
   * but that was never completed is completed.
   */
  private async sweepEvaluations(report: SweepReport): Promise<void> {
    const { store, queues } = this.deps;
    try {
      for (const owed of await store.evals.owedScores(this.options.quietMs, EVAL_CASE_ABANDONED_MS, this.options.batchSize)) {
        const jobId = jobIds.evaluate(owed.run_id, owed.case_id);
        if (await queues.isLive(COORDINATOR_QUEUE, jobId)) continue;
        await queues.removeEnded(COORDINATOR_QUEUE, jobId);
        await queues.enqueueEvaluate({ tenantId: owed.tenant_id, runId: owed.run_id, caseId: owed.case_id });
        report.redispatched.evaluate += 1;
      }
      for (const run of await store.evals.unfinishedDone(this.options.batchSize)) await store.evals.completeIfDone(run.tenant_id, run.run_id);
    } catch (err) {
      this.deps.logger.warn('could not re-enqueue the scoring of evaluation cases', { error: describeError(err) });
    }
  }

  private async recover(task: TaskRow, report: SweepReport): Promise<void> {
    const { queues, store } = this.deps;
    // Re-dispatched jobs stay in the task's trace (its id is stored with the task).
    const trace = resumeTraceContext(task.trace_id);
    const ids = { tenantId: task.tenant_id, taskId: task.id, ...(trace ? { trace } : {}) };

    if (task.deadline_at && !(await queues.isLive(COORDINATOR_QUEUE, jobIds.deadline(task.id)))) {
      await queues.removeEnded(COORDINATOR_QUEUE, jobIds.deadline(task.id));
      await queues.enqueueDeadline(ids, task.deadline_at);
      report.redispatched.deadline += 1;
    }

    const subtasks = task.iterations === 0 ? [] : await store.subtasks.forIteration(task.id, task.iterations);
    const expected = expectedJob(task, subtasks);
    switch (expected.kind) {
      case 'none':
        return;
      case 'settle':
        await settleParked(this.deps, task, trace);
        return;
      case 'step': {
        if (await queues.isLive(COORDINATOR_QUEUE, jobIds.step(task.id, expected.iteration))) return;
        // The step after an iteration may be running inside that iteration's last wave job.
        if (expected.iteration > 1 && (await this.runsNextStepInline(task.id, expected.iteration - 1, subtasks.length > 0 ? subtasks : undefined))) return;
        await queues.removeEnded(COORDINATOR_QUEUE, jobIds.step(task.id, expected.iteration));
        await queues.enqueueStep({ ...ids, iteration: expected.iteration }, task.priority);
        report.redispatched.step += 1;
        return;
      }
      case 'finalize': {
        if (await this.runsNextStepInline(task.id, task.iterations, subtasks)) return;
        if (await queues.isLive(COORDINATOR_QUEUE, jobIds.finalize(task.id))) return;
        await queues.removeEnded(COORDINATOR_QUEUE, jobIds.finalize(task.id));
        await queues.enqueueFinalize(ids, task.priority);
        report.redispatched.finalize += 1;
        return;
      }
      case 'wave': {
        const waveId = jobIds.wave(task.id, expected.iteration, expected.wave);
        if (await queues.isLive(COORDINATOR_QUEUE, waveId)) return;
        // Subtasks resumed after a decision run in a wave job of their own.
        for (const resumedId of await store.approvals.resumeJobIds(task.id)) if (await queues.isLive(COORDINATOR_QUEUE, resumedId)) return;
        // The wave's parent is gone, so are its children: dispatch it again with fresh child ids
        // (a failed child job of the old wave may still hold the old id).
        const liveChildren = await Promise.all(expected.subtasks.map((s) => queues.isLive(agentQueueName(s.agent_type), jobIds.subtask(s.id))));
        if (liveChildren.some(Boolean)) return;
        await queues.removeEnded(COORDINATOR_QUEUE, waveId);
        const generation = Date.now();
        await queues.dispatchWave(
          { ...ids, iteration: expected.iteration, wave: expected.wave },
          expected.subtasks.map((s) => ({ subtaskId: s.id, agentType: s.agent_type, generation })),
          task.priority,
        );
        report.redispatched.wave += 1;
        return;
      }
      default: {
        const unreachable: never = expected;
        throw new Error(`unknown expected job ${JSON.stringify(unreachable)}`);
      }
    }
  }

  /**
   * True while the last wave job of `iteration` is live: that job runs the next iteration (or
   * the synthesis) itself once its subtasks have ended (see advanceIteration), so a step that
   * is still calling the model there needs no second job.
   */
  private async runsNextStepInline(taskId: string, iteration: number, subtasks?: SubtaskRow[]): Promise<boolean> {
    const rows = subtasks ?? (await this.deps.store.subtasks.forIteration(taskId, iteration));
    if (rows.length === 0) return false;
    return this.deps.queues.isLive(COORDINATOR_QUEUE, jobIds.wave(taskId, iteration, lastWaveNumber(rows)));
  }
}

function emptyReport(): SweepReport {
  return { leader: false, examined: 0, timedOut: 0, redispatched: { step: 0, wave: 0, finalize: 0, deadline: 0, webhook: 0, resume: 0, evaluate: 0 }, expiredApprovals: 0, unservedFailed: 0, analyzed: [], prunedCallDetails: 0 };
}
