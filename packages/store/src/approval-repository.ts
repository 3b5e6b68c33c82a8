import { randomUUID } from 'node:crypto';
import {
  ConflictError,
  isTerminalTaskStatus,
  NotFoundError,
  type Approval,
  type ApprovalDecision,
  type ApprovalKind,
  type ApprovalListQuery,
  type ApprovalStatus,
  type HumanFeedback,
  type NewToolCallRecord,
  type PlannedSubtask,
  type ToolResult,
} from '@mesh/core';
import type { Db, Queryable } from './db';
import { reviveDates, TASK_DATES } from './json-rows';
import type { SubtaskRow, TaskRow } from './mappers';
import { storableJson, storableText } from './storable-json';
import { insertToolCall } from './tool-call-repository';
import { END_WAITING, START_WAITING } from './sql/task-waiting';

export interface ApprovalRow {
  id: string;
  tenant_id: string;
  network_id: string;
  task_id: string;
  subtask_id: string | null;
  tool_call_id: string | null;
  key: string;
  kind: ApprovalKind;
  subject: Approval['subject'];
  status: ApprovalStatus;
  requested_at: Date;
  expires_at: Date;
  decided_at: Date | null;
  decided_by: string | null;
  comment: string | null;
  edits: unknown;
  answer: string | null;
  resumed_at: Date | null;
  resume_job_id: string | null;
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export function toApproval(row: ApprovalRow): Approval {
  return {
    id: row.id,
    approval_id: row.id,
    network_id: row.network_id,
    task_id: row.task_id,
    subtask_id: row.subtask_id,
    kind: row.kind,
    subject: row.subject,
    status: row.status,
    requested_at: row.requested_at.toISOString(),
    expires_at: row.expires_at.toISOString(),
    decided_at: iso(row.decided_at),
    decided_by: row.decided_by,
    comment: row.comment,
    edits: row.edits ?? null,
    answer: row.answer,
  };
}

/** What a continuation needs of the request's task: its jobs' priority and its trace. */
export interface TaskOfApproval {
  task_priority: number;
  task_trace_id: string | null;
}

/** What a task-level request (plan, result) or a subtask's request (tool call, question) names. */
export interface ApprovalRequest {
  tenantId: string;
  taskId: string;
  /** Names what is asked within the task: a repeated request with the same key finds the first. */
  key: string;
  kind: ApprovalKind;
  subject: Approval['subject'];
  subtaskId?: string;
}

export interface RequestedApproval {
  approval: ApprovalRow;
  /** False when an earlier delivery of the same job had already asked. */
  created: boolean;
  /** The task, when this request moved it to awaiting_approval. */
  parked: TaskRow | null;
}

/** The result a rejected (or expired) tool call or question gives the model. */
function refusal(approval: Pick<ApprovalRow, 'kind'>, status: 'rejected' | 'expired', comment: string | null): ToolResult {
  const why = comment ? `: ${comment}` : '';
  const content =
    approval.kind === 'question'
      ? status === 'expired'
        ? `No answer came from a person in time${why}`
        : `A person declined to answer${why}`
      : status === 'expired'
        ? `Not run: no person approved the call in time${why}`
        : `Rejected by a person${why}`;
  return { ok: false, content, error: content };
}

/**
 * Requests for a person and their decisions. A request is a row (with, for a tool call or a
 * question, the call's journal row written in the same transaction); a decision is one guarded
 * UPDATE, so of two deciders exactly one wins; the continuation reads the row, and `resumed_at`
 * records that it has taken the decision into account.
 */
export class ApprovalRepository {
  constructor(private readonly db: Db) {}

  /** A task-level request: the plan or the result. The task moves to awaiting_approval in the same transaction. */
  async requestForTask(request: ApprovalRequest): Promise<RequestedApproval> {
    return this.db.transaction(async (tx) => {
      const { approval, created } = await insertApproval(tx, request, null);
      return { approval, created, parked: approval.status === 'pending' ? await parkTask(tx, request.tenantId, request.taskId) : null };
    });
  }

  /**
   * A tool call (or ask_human question) that waits for a person: its journal row as
   * `awaiting_approval` and the request, in one transaction. The subtask parks afterwards; the
   * task waits once nothing else of it can run (see settle).
   */
  async requestToolCall(request: Omit<ApprovalRequest, 'subject'> & { subject: (toolCallId: string) => Approval['subject']; call: NewToolCallRecord }): Promise<RequestedApproval & { toolCallId: string }> {
    return this.db.transaction(async (tx) => {
      const toolCallId = randomUUID();
      const { call } = request;
      const inserted = await insertToolCall(tx, { tenantId: request.tenantId, taskId: request.taskId }, call, { status: 'awaiting_approval', id: toolCallId, ignoreConflict: true });
      let id = inserted[0]?.id;
      if (!id) {
        const existing = await tx.query<{ id: string }>('SELECT id FROM tool_calls WHERE subtask_id = $1 AND position = $2 AND tenant_id = $3', [call.subtaskId, call.position, request.tenantId]);
        id = existing.rows[0]?.id;
        if (!id) throw new NotFoundError('Subtask', call.subtaskId);
      }
      const { approval, created } = await insertApproval(tx, { ...request, subject: request.subject(id), subtaskId: call.subtaskId }, id);
      return { approval, created, parked: null, toolCallId: id };
    });
  }

  async get(tenantId: string, approvalId: string, networkId?: string): Promise<ApprovalRow | null> {
    const { rows } = await this.db.query<ApprovalRow>('SELECT * FROM approvals WHERE id = $1 AND tenant_id = $2 AND ($3::uuid IS NULL OR network_id = $3)', [approvalId, tenantId, networkId ?? null]);
    return rows[0] ?? null;
  }

  async byKey(taskId: string, key: string): Promise<ApprovalRow | null> {
    const { rows } = await this.db.query<ApprovalRow>('SELECT * FROM approvals WHERE task_id = $1 AND key = $2', [taskId, key]);
    return rows[0] ?? null;
  }

  /** A network's requests, newest first. */
  async listForNetwork(tenantId: string, networkId: string, query: ApprovalListQuery): Promise<Approval[]> {
    const { rows } = await this.db.query<ApprovalRow>(
      `SELECT * FROM approvals WHERE network_id = $1 AND tenant_id = $2 AND ($3::text IS NULL OR status = $3) AND ($4::text IS NULL OR kind = $4)
       ORDER BY requested_at DESC, id LIMIT $5`,
      [networkId, tenantId, query.status ?? null, query.kind ?? null, query.limit],
    );
    return rows.map(toApproval);
  }

  /** A task's requests, in the order they were made. */
  async listForTask(tenantId: string, taskId: string): Promise<Approval[]> {
    const { rows } = await this.db.query<ApprovalRow>('SELECT * FROM approvals WHERE task_id = $1 AND tenant_id = $2 ORDER BY requested_at, id', [taskId, tenantId]);
    return rows.map(toApproval);
  }

  /** Pending requests by kind (the pending-approvals gauge). */
  async countPending(): Promise<Record<ApprovalKind, number>> {
    const { rows } = await this.db.query<{ kind: ApprovalKind; count: string }>(`SELECT kind, count(*) FROM approvals WHERE status = 'pending' GROUP BY kind`);
    const counts: Record<ApprovalKind, number> = { plan: 0, tool_call: 0, result: 0, question: 0 };
    for (const row of rows) counts[row.kind] = Number(row.count);
    return counts;
  }

  /**
   * Applies a person's decision: only a pending request of an unfinished task that has not
   * expired changes, with what it means for its tool call (approved: it may run, with edited
   * arguments; rejected: it is answered with the refusal; a question's answer is its result).
   * Otherwise: NotFoundError for an unknown id (or another tenant's), ConflictError saying
   * why (decided already, expired, task ended).
   */
  async decide(tenantId: string, approvalId: string, decision: ApprovalDecision, networkId?: string): Promise<ApprovalRow & Pick<TaskOfApproval, 'task_priority'>> {
    const decided = await this.db.transaction(async (tx) => {
      const { rows } = await tx.query<ApprovalRow & Pick<TaskOfApproval, 'task_priority'>>(
        `UPDATE approvals a SET status = $3, decided_at = now(), decided_by = $4, comment = $5, edits = $6, answer = $7
         FROM tasks t
         WHERE a.id = $1 AND a.tenant_id = $2 AND ($8::uuid IS NULL OR a.network_id = $8) AND a.status = 'pending' AND a.expires_at > now()
           AND t.id = a.task_id AND t.status IN ('queued', 'in_progress', 'awaiting_approval')
         RETURNING a.*, t.priority AS task_priority`,
        [
          approvalId,
          tenantId,
          decision.status,
          storableText(decision.decidedBy),
          'comment' in decision && decision.comment ? storableText(decision.comment) : null,
          decision.status === 'approved' && decision.edits ? JSON.stringify(storableJson(decision.edits)) : null,
          decision.status === 'answered' ? storableText(decision.answer) : null,
          networkId ?? null,
        ],
      );
      const row = rows[0];
      if (row) await applyToToolCall(tx, row);
      return row ?? null;
    });
    if (decided) return decided;
    const current = await this.get(tenantId, approvalId, networkId);
    if (!current) throw new NotFoundError('Approval', approvalId);
    if (current.status === 'pending' && current.expires_at.getTime() <= Date.now()) {
      // Expired by the clock; the recovery sweeper (or the decision route) records it and continues the task.
      throw new ConflictError(`The approval expired at ${current.expires_at.toISOString()}`, { status: 'expired' });
    }
    if (current.status !== 'pending') throw new ConflictError(`The approval was already decided (${current.status})`, { status: current.status });
    const task = await this.db.query<{ status: string }>('SELECT status FROM tasks WHERE id = $1', [current.task_id]);
    const status = task.rows[0]?.status ?? 'deleted';
    throw new ConflictError(isTerminalTaskStatus(status) || status === 'deleted' ? `The task has ended (${status})` : `The task is ${status}: it waits for no decision`, {
      task_status: task.rows[0]?.status ?? null,
    });
  }

  /** Expires requests past their time (they count as rejected; `only` one of them); the expired rows, for their continuations. */
  async expireDue(limit: number, only?: { approvalId: string }): Promise<(ApprovalRow & TaskOfApproval)[]> {
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<ApprovalRow & TaskOfApproval>(
        `WITH expired AS (
           UPDATE approvals SET status = 'expired', decided_at = now(), comment = 'no decision within ' || extract(epoch FROM expires_at - requested_at)::int || ' s'
           WHERE id IN (SELECT id FROM approvals WHERE status = 'pending' AND expires_at <= now() AND ($2::uuid IS NULL OR id = $2)
                        ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED)
           RETURNING *)
         SELECT e.*, t.priority AS task_priority, t.trace_id AS task_trace_id FROM expired e JOIN tasks t ON t.id = e.task_id`,
        [limit, only?.approvalId ?? null],
      );
      for (const row of rows) await applyToToolCall(tx, row);
      return rows;
    });
  }

  /** Decided requests whose continuation has not run for `quietMs` (it was lost with its job). */
  async unresumed(quietMs: number, limit: number): Promise<(ApprovalRow & TaskOfApproval)[]> {
    const { rows } = await this.db.query<ApprovalRow & TaskOfApproval>(
      `SELECT a.*, t.priority AS task_priority, t.trace_id AS task_trace_id FROM approvals a JOIN tasks t ON t.id = a.task_id
       WHERE a.status <> 'pending' AND a.resumed_at IS NULL AND a.decided_at < now() - make_interval(secs => $1::float8 / 1000)
         AND t.status = 'awaiting_approval'
       ORDER BY a.decided_at LIMIT $2`,
      [quietMs, limit],
    );
    return rows;
  }

  /**
   * Once nothing of the task can run but subtasks wait for people: either the task waits
   * (awaiting_approval, its deadline paused) — or, when a parked subtask's requests have all been
   * decided meanwhile, it does not, and `decided` says so (the caller resumes them). One statement,
   * so a decision committed at any moment is either seen here or sees the waiting task.
   */
  async settle(tenantId: string, taskId: string): Promise<{ parked: TaskRow | null; decided: boolean }> {
    const { rows } = await this.db.query<{ parked: TaskRow | null; decided: boolean }>(
      `WITH decided AS (${DECIDED_PARKED}),
       parked AS (
         UPDATE tasks SET ${START_WAITING}
         WHERE id = $1 AND tenant_id = $2 AND status = 'in_progress' AND NOT EXISTS (SELECT 1 FROM decided)
           AND EXISTS (SELECT 1 FROM approvals WHERE task_id = $1 AND status = 'pending')
         RETURNING *)
       SELECT (SELECT to_jsonb(parked) FROM parked) AS parked, EXISTS (SELECT 1 FROM decided) AS decided`,
      [taskId, tenantId],
    );
    const row = rows[0];
    return { parked: row?.parked ? reviveDates(row.parked, TASK_DATES) : null, decided: row?.decided ?? false };
  }

  /**
   * Makes the parked subtasks whose requests are all decided `queued` again and takes the task out
   * of waiting (its deadline moved by the time it waited), marking those requests resumed with the
   * job that will run them. Null when there is nothing to resume (or the task has ended).
   */
  async resumeSubtasks(tenantId: string, taskId: string, resumeJobId: string): Promise<{ task: TaskRow; subtasks: SubtaskRow[] } | null> {
    return this.db.transaction(async (tx) => {
      const { rows: subtasks } = await tx.query<SubtaskRow>(
        `UPDATE subtasks SET status = 'queued' WHERE id IN (${DECIDED_PARKED})
           AND EXISTS (SELECT 1 FROM tasks t WHERE t.id = $1 AND t.status IN ('awaiting_approval', 'in_progress')) RETURNING *`,
        [taskId, tenantId],
      );
      if (subtasks.length === 0) return null;
      const task = await unparkTask(tx, tenantId, taskId, ['awaiting_approval', 'in_progress']);
      if (!task) return null;
      await tx.query(`UPDATE approvals SET resumed_at = now(), resume_job_id = $3 WHERE task_id = $1 AND subtask_id = ANY($2::uuid[]) AND status <> 'pending' AND resumed_at IS NULL`, [
        taskId,
        subtasks.map((s) => s.id),
        resumeJobId,
      ]);
      return { task, subtasks };
    });
  }

  /**
   * The continuation of a task-level decision, in one transaction: the task leaves waiting (its
   * deadline moved), the request is marked resumed, and what the decision changes is written — a
   * replaced plan, a rejected plan's subtasks skipped, a person's feedback kept for the coordinator.
   * Null when the request was already resumed or the task is not waiting.
   */
  async resumeTask(
    approval: Pick<ApprovalRow, 'id' | 'tenant_id' | 'task_id'>,
    changes: { replacePlan?: { iteration: number; subtasks: (PlannedSubtask & { agent_id: string | null })[] }; skipIteration?: { iteration: number; why: string }; feedback?: HumanFeedback },
  ): Promise<{ task: TaskRow; subtasks: SubtaskRow[] } | null> {
    return this.db.transaction(async (tx) => {
      const marked = await tx.query(`UPDATE approvals SET resumed_at = now() WHERE id = $1 AND resumed_at IS NULL AND status <> 'pending'`, [approval.id]);
      if (!marked.rowCount) return null;
      const task = await unparkTask(tx, approval.tenant_id, approval.task_id, ['awaiting_approval']);
      if (!task) return null;
      if (changes.replacePlan) {
        const { iteration, subtasks } = changes.replacePlan;
        // The plan waited for the person, so none of its subtasks has a job yet.
        await tx.query(`DELETE FROM subtasks WHERE task_id = $1 AND iteration = $2 AND status IN ('pending', 'queued')`, [task.id, iteration]);
        for (const s of subtasks) {
          await tx.query(
            `INSERT INTO subtasks (id, tenant_id, network_id, task_id, iteration, key, agent_type, agent_id, description, depends_on, status, attachments)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'pending', $11) ON CONFLICT DO NOTHING`,
            [randomUUID(), task.tenant_id, task.network_id, task.id, iteration, s.key, s.agent_type, s.agent_id, storableText(s.description), s.depends_on, s.attachments ?? []],
          );
        }
      }
      if (changes.skipIteration) {
        await tx.query(`UPDATE subtasks SET status = 'skipped', error = $3, finished_at = now() WHERE task_id = $1 AND iteration = $2 AND status IN ('pending', 'queued')`, [
          task.id,
          changes.skipIteration.iteration,
          changes.skipIteration.why.slice(0, 4000),
        ]);
      }
      let updated = task;
      if (changes.feedback) {
        const { rows } = await tx.query<TaskRow>(`UPDATE tasks SET human_feedback = human_feedback || $2::jsonb WHERE id = $1 RETURNING *`, [task.id, JSON.stringify([storableJson(changes.feedback)])]);
        updated = rows[0] ?? task;
      }
      const { rows: subtasks } = await tx.query<SubtaskRow>('SELECT * FROM subtasks WHERE task_id = $1 ORDER BY iteration, key', [task.id]);
      return { task: updated, subtasks };
    });
  }

  /** Marks a request resumed (a result approved: the task completes). */
  async markResumed(approvalId: string): Promise<boolean> {
    const { rowCount } = await this.db.query(`UPDATE approvals SET resumed_at = now() WHERE id = $1 AND resumed_at IS NULL AND status <> 'pending'`, [approvalId]);
    return Boolean(rowCount);
  }

  /** The wave jobs that run a task's resumed subtasks (the recovery sweeper checks them before dispatching again). */
  async resumeJobIds(taskId: string): Promise<string[]> {
    const { rows } = await this.db.query<{ resume_job_id: string }>('SELECT DISTINCT resume_job_id FROM approvals WHERE task_id = $1 AND resume_job_id IS NOT NULL', [taskId]);
    return rows.map((r) => r.resume_job_id);
  }
}

/** Parked subtasks of task $1 (tenant $2) whose requests have all been decided. */
const DECIDED_PARKED = `
  SELECT s.id FROM subtasks s
  WHERE s.task_id = $1 AND s.tenant_id = $2 AND s.status = 'awaiting_approval'
    AND NOT EXISTS (SELECT 1 FROM approvals a WHERE a.subtask_id = s.id AND a.status = 'pending')
    AND EXISTS (SELECT 1 FROM approvals a WHERE a.subtask_id = s.id AND a.resumed_at IS NULL)`;

async function insertApproval(q: Queryable, request: ApprovalRequest, toolCallId: string | null): Promise<{ approval: ApprovalRow; created: boolean }> {
  const { rows } = await q.query<ApprovalRow>(
    `INSERT INTO approvals (id, tenant_id, network_id, task_id, subtask_id, tool_call_id, key, kind, subject, expires_at)
     SELECT $1, t.tenant_id, t.network_id, t.id, $4, $5, $6, $7, $8, now() + make_interval(secs => t.approval_timeout_seconds)
     FROM tasks t WHERE t.id = $3 AND t.tenant_id = $2
     ON CONFLICT (task_id, key) DO NOTHING RETURNING *`,
    [randomUUID(), request.tenantId, request.taskId, request.subtaskId ?? null, toolCallId, request.key, request.kind, JSON.stringify(storableJson(request.subject))],
  );
  if (rows[0]) return { approval: rows[0], created: true };
  const existing = await q.query<ApprovalRow>('SELECT * FROM approvals WHERE task_id = $1 AND key = $2 AND tenant_id = $3', [request.taskId, request.key, request.tenantId]);
  if (!existing.rows[0]) throw new NotFoundError('Task', request.taskId);
  return { approval: existing.rows[0], created: false };
}

async function parkTask(q: Queryable, tenantId: string, taskId: string): Promise<TaskRow | null> {
  const { rows } = await q.query<TaskRow>(
    `UPDATE tasks SET ${START_WAITING}
     WHERE id = $1 AND tenant_id = $2 AND status = 'in_progress' RETURNING *`,
    [taskId, tenantId],
  );
  return rows[0] ?? null;
}

/**
 * The task back to in_progress: the time it waited is added to its deadline (never past an
 * absolute deadline the client set) and to `waited_ms`. A task already in_progress (allowed by
 * `from`) is returned as it is.
 */
async function unparkTask(q: Queryable, tenantId: string, taskId: string, from: string[]): Promise<TaskRow | null> {
  const { rows } = await q.query<TaskRow>(
    `UPDATE tasks SET
       status = 'in_progress',
       deadline_at = CASE WHEN awaiting_since IS NULL OR deadline_at IS NULL THEN deadline_at
                          ELSE least(deadline_at + (now() - awaiting_since), coalesce(requested_deadline_at, 'infinity')) END,
       ${END_WAITING},
       updated_at = now()
     WHERE id = $1 AND tenant_id = $2 AND status = ANY($3::text[]) RETURNING *`,
    [taskId, tenantId, from],
  );
  return rows[0] ?? null;
}

/** What a decision means for the tool call it is about (nothing, for a plan or a result). */
async function applyToToolCall(q: Queryable, approval: ApprovalRow): Promise<void> {
  if (!approval.tool_call_id) return;
  if (approval.status === 'approved') {
    const edited = (approval.edits as { arguments?: Record<string, unknown> } | null)?.arguments;
    await q.query(`UPDATE tool_calls SET status = 'approved', arguments = coalesce($2::jsonb, arguments) WHERE id = $1 AND status = 'awaiting_approval'`, [
      approval.tool_call_id,
      edited ? JSON.stringify(storableJson(edited)) : null,
    ]);
    return;
  }
  const result: ToolResult =
    approval.status === 'answered' ? { ok: true, content: approval.answer ?? '' } : refusal(approval, approval.status === 'expired' ? 'expired' : 'rejected', approval.comment);
  await q.query(
    `UPDATE tool_calls SET status = $2, result = $3, error = $4, finished_at = now(), duration_ms = 0 WHERE id = $1 AND status = 'awaiting_approval'`,
    [approval.tool_call_id, approval.status === 'answered' ? 'completed' : 'rejected', JSON.stringify(storableJson(result)), result.ok ? null : (result.error ?? null)],
  );
}
