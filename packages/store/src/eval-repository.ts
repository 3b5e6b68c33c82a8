import { randomUUID } from 'node:crypto';
import type { Assertion, AssertionOutcome, EvalCaseResult, EvalCaseStatus, EvalRun, RubricVerdict } from '@mesh/core';
import type { Db } from './db';
import { storableJson, storableText } from './storable-json';

/** A case as stored: what runs (task, context) and how its answer is judged. */
export interface EvalCaseSpec {
  task: string;
  context: Record<string, unknown>;
  assertions: Assertion[];
  rubric: string | null;
}

export interface NewEvalCase {
  caseId: string;
  networkId: string;
  spec: EvalCaseSpec;
}

/** A case as scoring needs it. */
export interface EvalCaseRow {
  tenant_id: string;
  run_id: string;
  case_id: string;
  network_id: string;
  task_id: string | null;
  status: EvalCaseStatus;
  spec: EvalCaseSpec;
}

/** A case's outcome: scored (assertions and rubric), or an error (its task did not give a result). */
export interface EvalScore {
  status: 'scored' | 'error';
  score: number;
  passed: boolean;
  assertions: AssertionOutcome[];
  rubric: RubricVerdict | null;
  error: string | null;
}

export interface EvalCaseRef {
  tenant_id: string;
  run_id: string;
  case_id: string;
}

const iso = (d: unknown): string | null => (d instanceof Date ? d.toISOString() : d == null ? null : String(d));

/** A run's columns with its cases' counts (`FROM eval_runs r ${RUN_COUNTS}`). */
const RUN_COLUMNS = 'r.id, r.label, r.status, r.created_at, r.completed_at, s.cases_total, s.cases_scored, s.mean_score, s.passed, s.failed';
const RUN_COUNTS = `LEFT JOIN LATERAL (
  SELECT count(*) AS cases_total,
         count(*) FILTER (WHERE c.status IN ('scored', 'error')) AS cases_scored,
         avg(c.score) FILTER (WHERE c.status IN ('scored', 'error')) AS mean_score,
         count(*) FILTER (WHERE c.passed) AS passed,
         count(*) FILTER (WHERE NOT c.passed) AS failed
  FROM eval_results c WHERE c.run_id = r.id
) s ON true`;

/**
 * Evaluation runs and their cases. Every read is scoped to the tenant; scoring is guarded (a case
 * is scored once, whoever scores it first), so a repeated scoring job changes nothing.
 */
export class EvalRepository {
  constructor(private readonly db: Db) {}

  /** A new run with its cases, all pending (no task yet). */
  async create(tenantId: string, input: { label: string | null; cases: NewEvalCase[] }): Promise<EvalRun> {
    const id = randomUUID();
    await this.db.transaction(async (tx) => {
      await tx.query(`INSERT INTO eval_runs (id, tenant_id, label) VALUES ($1, $2, $3)`, [id, tenantId, input.label]);
      await tx.query(
        `INSERT INTO eval_results (run_id, case_id, position, tenant_id, network_id, spec)
         SELECT $1, c.case_id, c.position, $2, c.network_id, c.spec
         FROM jsonb_to_recordset($3::jsonb) AS c(case_id text, position integer, network_id uuid, spec jsonb)`,
        [id, tenantId, JSON.stringify(input.cases.map((c, position) => ({ case_id: c.caseId, position, network_id: c.networkId, spec: storableJson(c.spec) })))],
      );
    });
    return (await this.get(tenantId, id))!;
  }

  /** The case now runs as `taskId` (only a pending case is linked). */
  async linkTask(tenantId: string, runId: string, caseId: string, taskId: string): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `WITH linked AS (
         UPDATE eval_results SET task_id = $4, status = 'running' WHERE tenant_id = $1 AND run_id = $2 AND case_id = $3 AND status = 'pending' RETURNING task_id
       )
       UPDATE tasks SET evaluated = true WHERE id IN (SELECT task_id FROM linked)`,
      [tenantId, runId, caseId, taskId],
    );
    return (rowCount ?? 0) > 0;
  }

  /** The case a task runs, if it runs one. */
  async caseOfTask(taskId: string): Promise<EvalCaseRef | null> {
    const { rows } = await this.db.query<EvalCaseRef>(`SELECT tenant_id, run_id, case_id FROM eval_results WHERE task_id = $1`, [taskId]);
    return rows[0] ?? null;
  }

  async getCase(tenantId: string, runId: string, caseId: string): Promise<EvalCaseRow | null> {
    const { rows } = await this.db.query<EvalCaseRow>(
      `SELECT tenant_id, run_id, case_id, network_id, task_id, status, spec FROM eval_results WHERE tenant_id = $1 AND run_id = $2 AND case_id = $3`,
      [tenantId, runId, caseId],
    );
    return rows[0] ?? null;
  }

  /** Stores a case's outcome unless it already has one; false when it had (or is gone). */
  async recordScore(tenantId: string, runId: string, caseId: string, score: EvalScore): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `UPDATE eval_results SET status = $4, score = $5, passed = $6, assertions = $7::jsonb, rubric = $8::jsonb, error = $9, scored_at = now()
       WHERE tenant_id = $1 AND run_id = $2 AND case_id = $3 AND status IN ('pending', 'running')`,
      [
        tenantId,
        runId,
        caseId,
        score.status,
        score.score,
        score.passed,
        JSON.stringify(storableJson(score.assertions)),
        score.rubric ? JSON.stringify(storableJson(score.rubric)) : null,
        score.error === null ? null : storableText(score.error),
      ],
    );
    return (rowCount ?? 0) > 0;
  }

  /** Completes the run once no case is left unscored; true when this call completed it. */
  async completeIfDone(tenantId: string, runId: string): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `UPDATE eval_runs r SET status = 'completed', completed_at = now()
       WHERE r.tenant_id = $1 AND r.id = $2 AND r.status = 'running'
         AND NOT EXISTS (SELECT 1 FROM eval_results c WHERE c.run_id = r.id AND c.status IN ('pending', 'running'))`,
      [tenantId, runId],
    );
    return (rowCount ?? 0) > 0;
  }

  /** The run with its cases' results (in the order they were submitted); null when missing or another tenant's. */
  async get(tenantId: string, runId: string): Promise<EvalRun | null> {
    const { rows } = await this.db.query<Record<string, unknown>>(`SELECT ${RUN_COLUMNS} FROM eval_runs r ${RUN_COUNTS} WHERE r.tenant_id = $1 AND r.id = $2`, [tenantId, runId]);
    const run = rows[0];
    if (!run) return null;
    const results = await this.db.query<Record<string, unknown>>(
      `SELECT c.*, t.status AS task_status FROM eval_results c LEFT JOIN tasks t ON t.id = c.task_id
       WHERE c.run_id = $1 ORDER BY c.position`,
      [runId],
    );
    return { ...toRun(run), results: results.rows.map(toResult) };
  }

  /** The tenant's runs, newest first, without their results. */
  async list(tenantId: string, limit: number): Promise<EvalRun[]> {
    const { rows } = await this.db.query<Record<string, unknown>>(
      `SELECT ${RUN_COLUMNS} FROM eval_runs r ${RUN_COUNTS} WHERE r.tenant_id = $1 ORDER BY r.created_at DESC, r.id DESC LIMIT $2`,
      [tenantId, limit],
    );
    return rows.map(toRun);
  }

  /**
   * Cases still owed a score (their scoring job may have been lost): running cases whose task
   * ended more than `quietMs` ago or is gone, and cases whose task was never started (the request
   * that created them died) after `abandonedMs`.
   */
  async owedScores(quietMs: number, abandonedMs: number, limit: number): Promise<EvalCaseRef[]> {
    const { rows } = await this.db.query<EvalCaseRef>(
      `SELECT c.tenant_id, c.run_id, c.case_id FROM eval_results c LEFT JOIN tasks t ON t.id = c.task_id
       WHERE c.status IN ('pending', 'running')
         AND ((c.status = 'running' AND (t.id IS NULL
                OR (t.status IN ('completed', 'failed', 'timed_out', 'cancelled') AND coalesce(t.completed_at, t.updated_at) < now() - make_interval(secs => $1::float8 / 1000))))
           OR (c.status = 'pending' AND c.created_at < now() - make_interval(secs => $2::float8 / 1000)))
       ORDER BY c.created_at LIMIT $3`,
      [quietMs, abandonedMs, limit],
    );
    return rows;
  }

  /** Runs whose cases are all scored but that were never completed (the process stopped in between). */
  async unfinishedDone(limit: number): Promise<Pick<EvalCaseRef, 'tenant_id' | 'run_id'>[]> {
    const { rows } = await this.db.query<Pick<EvalCaseRef, 'tenant_id' | 'run_id'>>(
      `SELECT r.tenant_id, r.id AS run_id FROM eval_runs r
       WHERE r.status = 'running' AND NOT EXISTS (SELECT 1 FROM eval_results c WHERE c.run_id = r.id AND c.status IN ('pending', 'running'))
       ORDER BY r.created_at LIMIT $1`,
      [limit],
    );
    return rows;
  }
}

function toRun(r: Record<string, unknown>): EvalRun {
  return {
    eval_run_id: String(r.id),
    label: (r.label as string | null) ?? null,
    status: r.status as EvalRun['status'],
    created_at: iso(r.created_at) ?? '',
    completed_at: iso(r.completed_at),
    cases_total: Number(r.cases_total),
    cases_scored: Number(r.cases_scored),
    mean_score: r.mean_score == null ? null : Number(r.mean_score),
    passed: Number(r.passed),
    failed: Number(r.failed),
  };
}

function toResult(r: Record<string, unknown>): EvalCaseResult {
  return {
    case_id: String(r.case_id),
    network_id: String(r.network_id),
    task_id: (r.task_id as string | null) ?? null,
    task_status: (r.task_status as string | null) ?? null,
    status: r.status as EvalCaseStatus,
    score: r.score == null ? null : Number(r.score),
    passed: (r.passed as boolean | null) ?? null,
    assertions: (r.assertions as AssertionOutcome[] | null) ?? [],
    rubric: (r.rubric as RubricVerdict | null) ?? null,
    error: (r.error as string | null) ?? null,
  };
}
