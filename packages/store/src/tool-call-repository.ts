import { randomUUID } from 'node:crypto';
import { ConflictError, NotFoundError, type NewToolCallRecord, type ToolCallFinish, type ToolCallRecord, type ToolCallStatus, type ToolResult } from '@mesh/core';
import type { Db, Queryable } from './db';
import { PG_FOREIGN_KEY_VIOLATION, PG_UNIQUE_VIOLATION, pgErrorCode } from './pg-errors';
import { storableJson, storableText } from './storable-json';

/** The store's names for the record shapes of core (see tool-call-record.ts). */
export type NewStoredToolCall = NewToolCallRecord;
export type StoredToolCall = ToolCallRecord;
export type StoredToolCallFinish = ToolCallFinish;

/** Whose calls a journal reads and writes: one task of one tenant. */
export interface ToolCallScope {
  tenantId: string;
  taskId: string;
}

export interface ToolCallRow {
  id: string;
  tenant_id: string;
  task_id: string;
  subtask_id: string;
  position: number;
  round: number;
  call_id: string;
  tool: string;
  arguments: Record<string, unknown>;
  idempotency_key: string;
  side_effects: boolean;
  status: ToolCallStatus;
  result: ToolResult | null;
  error: string | null;
  started_at: Date;
  finished_at: Date | null;
  duration_ms: number | null;
}

function toStoredToolCall(row: ToolCallRow): StoredToolCall {
  return {
    id: row.id,
    subtaskId: row.subtask_id,
    position: row.position,
    round: row.round,
    callId: row.call_id,
    tool: row.tool,
    arguments: row.arguments,
    idempotencyKey: row.idempotency_key,
    sideEffects: row.side_effects,
    startedAt: row.started_at,
    status: row.status,
    result: row.result,
    error: row.error,
    finishedAt: row.finished_at,
    durationMs: row.duration_ms,
  };
}

/**
 * Inserts a call's journal row (of the scope's subtask only): `running` before it runs,
 * `awaiting_approval` when a person must decide first, or already ended (`ended`). With `ignoreConflict`, a position already
 * recorded inserts nothing (and returns no row) instead of raising a unique violation.
 */
export async function insertToolCall(
  q: Queryable,
  scope: ToolCallScope,
  call: NewStoredToolCall,
  options: { status: ToolCallStatus; id?: string; ignoreConflict?: boolean; ended?: Pick<StoredToolCall, 'result' | 'error' | 'finishedAt' | 'durationMs'> },
): Promise<ToolCallRow[]> {
  const ended = options.ended;
  const { rows } = await q.query<ToolCallRow>(
    `INSERT INTO tool_calls (id, tenant_id, task_id, subtask_id, position, round, call_id, tool, arguments, idempotency_key, side_effects, started_at,
                             status, result, error, finished_at, duration_ms)
     SELECT $1, s.tenant_id, s.task_id, s.id, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17
     FROM subtasks s WHERE s.id = $4 AND s.tenant_id = $2 AND s.task_id = $3
     ${options.ignoreConflict ? 'ON CONFLICT (subtask_id, position) DO NOTHING' : ''}
     RETURNING *`,
    [
      options.id ?? randomUUID(),
      scope.tenantId,
      scope.taskId,
      call.subtaskId,
      call.position,
      call.round,
      storableText(call.callId),
      call.tool,
      JSON.stringify(storableJson(call.arguments)),
      call.idempotencyKey,
      call.sideEffects,
      call.startedAt,
      options.status,
      ended?.result ? JSON.stringify(storableJson(ended.result)) : null,
      ended?.error ?? null,
      ended?.finishedAt ?? null,
      ended?.durationMs ?? null,
    ],
  );
  return rows;
}

/**
 * A task's tool-call journal in Postgres (the ToolCallJournal of @mesh/tools): every read and
 * write is held to the scope's tenant and task, so a subtask id from elsewhere finds nothing.
 */
export class TaskToolCallJournal {
  constructor(
    private readonly db: Db,
    private readonly scope: ToolCallScope,
  ) {}

  async find(subtaskId: string, position: number): Promise<StoredToolCall | null> {
    const { rows } = await this.db.query<ToolCallRow>(
      'SELECT * FROM tool_calls WHERE subtask_id = $1 AND position = $2 AND tenant_id = $3 AND task_id = $4',
      [subtaskId, position, this.scope.tenantId, this.scope.taskId],
    );
    return rows[0] ? toStoredToolCall(rows[0]) : null;
  }

  /** The subtask's calls by position. */
  async list(subtaskId: string): Promise<StoredToolCall[]> {
    const { rows } = await this.db.query<ToolCallRow>(
      'SELECT * FROM tool_calls WHERE subtask_id = $1 AND tenant_id = $2 AND task_id = $3 ORDER BY position',
      [subtaskId, this.scope.tenantId, this.scope.taskId],
    );
    return rows.map(toStoredToolCall);
  }

  /**
   * Records a call as running. A ConflictError when the subtask already has a call at this
   * position; a NotFoundError when the subtask is not the scope's (or is gone).
   */
  async begin(call: NewStoredToolCall): Promise<StoredToolCall> {
    let rows: ToolCallRow[];
    try {
      rows = await insertToolCall(this.db, this.scope, call, { status: 'running' });
    } catch (err) {
      const code = pgErrorCode(err);
      if (code === PG_UNIQUE_VIOLATION) {
        throw new ConflictError(`tool call ${call.position} of subtask ${call.subtaskId} is already recorded`, { subtask_id: call.subtaskId, position: call.position });
      }
      if (code === PG_FOREIGN_KEY_VIOLATION) throw new NotFoundError('Subtask', call.subtaskId);
      throw err;
    }
    if (!rows[0]) throw new NotFoundError('Subtask', call.subtaskId);
    return toStoredToolCall(rows[0]);
  }

  /** Records a call that has already ended (one without side effects); a position already recorded keeps its row. */
  async record(call: StoredToolCall): Promise<void> {
    await insertToolCall(this.db, this.scope, call, { status: call.status, id: call.id, ignoreConflict: true, ended: call });
  }

  /** approved → running: a call a person approved starts (null when it is not approved, e.g. a duplicate delivery started it). */
  async start(id: string): Promise<StoredToolCall | null> {
    const { rows } = await this.db.query<ToolCallRow>(
      `UPDATE tool_calls SET status = 'running', started_at = now() WHERE id = $1 AND tenant_id = $2 AND task_id = $3 AND status = 'approved' RETURNING *`,
      [id, this.scope.tenantId, this.scope.taskId],
    );
    return rows[0] ? toStoredToolCall(rows[0]) : null;
  }

  /**
   * Records how a running call ended. Only a running call changes: a second finish (a duplicate
   * delivery racing the first) leaves the first outcome, and either way the row is returned.
   */
  async finish(id: string, outcome: StoredToolCallFinish): Promise<StoredToolCall> {
    const { rows } = await this.db.query<ToolCallRow>(
      `WITH finished AS (
         UPDATE tool_calls SET status = $4, result = $5, error = $6, finished_at = $7, duration_ms = $8
         WHERE id = $1 AND tenant_id = $2 AND task_id = $3 AND status = 'running'
         RETURNING *)
       SELECT * FROM finished
       UNION ALL
       SELECT * FROM tool_calls WHERE id = $1 AND tenant_id = $2 AND task_id = $3 AND NOT EXISTS (SELECT 1 FROM finished)`,
      [
        id,
        this.scope.tenantId,
        this.scope.taskId,
        outcome.status,
        JSON.stringify(storableJson(outcome.result)),
        outcome.error === null ? null : storableText(outcome.error),
        outcome.finishedAt,
        Math.max(0, Math.round(outcome.durationMs)),
      ],
    );
    if (!rows[0]) throw new NotFoundError('Tool call', id);
    return toStoredToolCall(rows[0]);
  }
}

/** The `tool_calls` table: a journal per task, and the reads tests and tools make. */
export class ToolCallRepository {
  constructor(private readonly db: Db) {}

  /** The task's journal, to pass where a ToolCallJournal is expected. */
  journal(scope: ToolCallScope): TaskToolCallJournal {
    return new TaskToolCallJournal(this.db, scope);
  }

  /** Every call of a task, by subtask and position, whoever's it is (tests, diagnostics). */
  async forTask(taskId: string): Promise<StoredToolCall[]> {
    const { rows } = await this.db.query<ToolCallRow>('SELECT * FROM tool_calls WHERE task_id = $1 ORDER BY subtask_id, position', [taskId]);
    return rows.map(toStoredToolCall);
  }
}
