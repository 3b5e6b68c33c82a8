import { randomUUID } from 'node:crypto';
import { COORDINATOR_TYPE, NotFoundError, QueuedTaskCapError, type Lesson, type SafetyItem, type SubmitTaskBody, type Task, type TaskListQuery, type TaskResult, type TaskStatus } from '@mesh/core';
import { copyAttachments, insertAttachments, TASK_ATTACHMENTS_JSON, toAttachmentMeta, type AttachmentUpload } from './attachment-repository';
import { CommonLexemes } from './common-lexemes';
import type { Db, Queryable } from './db';
import { reviveDates, SUBTASK_DATES, TASK_DATES } from './json-rows';
import { toSubtask, toTask, type AgentRow, type NetworkRow, type SubtaskRow, type TaskRow } from './mappers';
import type { MemoryCandidate, MemoryCandidateQuery } from './memory-candidate-query';
import { memoryCandidatesJsonSql, reviveMemoryCandidates } from './sql/memory-candidates';
import { MERGED_SAFETY, taskSafetyUpdateSql } from './sql/task-safety';
import { END_WAITING } from './sql/task-waiting';

const USAGE_JOIN = `
  LEFT JOIN LATERAL (
    SELECT coalesce(sum(c.input_tokens), 0) AS input_tokens, coalesce(sum(c.output_tokens), 0) AS output_tokens,
           coalesce(sum(c.cost_usd), 0) AS cost_usd, count(*) AS llm_calls,
           coalesce(bool_or(c.provider = 'simulated'), false) AS any_simulated
    FROM llm_calls c WHERE c.task_id = t.id
  ) u ON true`;

/** Every subtask of the task `t`, in plan order, as a JSON array (rows come back with SUBTASK_DATES as strings). */
const TASK_SUBTASKS_JSON = `(SELECT coalesce(jsonb_agg(to_jsonb(s) ORDER BY s.iteration, s.created_at, s.key), '[]') FROM subtasks s WHERE s.task_id = t.id)`;

/** Characters of a tool call's result (and error) a subtask's `tool_calls` shows; the rest is cut, with an ellipsis as the marker. */
export const TOOL_CALL_VIEW_MAX_CHARS = 2_000;

const truncatedSql = (text: string) =>
  `CASE WHEN length(${text}) > ${TOOL_CALL_VIEW_MAX_CHARS} THEN left(${text}, ${TOOL_CALL_VIEW_MAX_CHARS - 1}) || '…' ELSE ${text} END`;

/** The tool calls of the subtask `s` by position, shaped as ToolCallView (see ToolCallViewRow). */
const SUBTASK_TOOL_CALLS_JSON = `(SELECT coalesce(jsonb_agg(jsonb_build_object(
    'id', c.id, 'tool', c.tool, 'arguments', c.arguments, 'status', c.status,
    'result', ${truncatedSql(`c.result->>'content'`)}, 'error', ${truncatedSql('c.error')},
    'idempotency_key', c.idempotency_key, 'started_at', c.started_at, 'duration_ms', c.duration_ms) ORDER BY c.position), '[]')
  FROM tool_calls c WHERE c.subtask_id = s.id)`;

/** TASK_SUBTASKS_JSON with each subtask's `tool_calls`: what the task's readers see (GET, `?wait`, SSE). */
const TASK_SUBTASKS_WITH_TOOL_CALLS_JSON = `(SELECT coalesce(jsonb_agg(to_jsonb(s) || jsonb_build_object('tool_calls', ${SUBTASK_TOOL_CALLS_JSON})
    ORDER BY s.iteration, s.created_at, s.key), '[]') FROM subtasks s WHERE s.task_id = t.id)`;

/** Subtask rows read back from JSON (TASK_SUBTASKS_JSON and the like). */
const reviveSubtasks = (rows: SubtaskRow[]): SubtaskRow[] => rows.map((s) => reviveDates(s, SUBTASK_DATES));

/** A task that ends takes its open requests for a person with it: they expire, and a decision on them is a conflict. */
async function closePendingApprovals(q: Queryable, taskId: string, why: string): Promise<void> {
  await q.query(`UPDATE approvals SET status = 'expired', decided_at = now(), comment = $2, resumed_at = now() WHERE task_id = $1 AND status = 'pending'`, [taskId, why]);
}

const UNFINISHED: TaskStatus[] = ['pending', 'queued', 'in_progress', 'awaiting_approval'];

/** What a coordinator step plans with, loaded with the iteration's start. */
export interface IterationContext {
  task: TaskRow;
  network: NetworkRow | null;
  agents: AgentRow[];
  subtasks: SubtaskRow[];
  /** Candidates for the plan prompt's memory, relevant to the task. */
  memoryCandidates: MemoryCandidate[];
  /** The coordinator's current lessons from people's feedback (empty: none). */
  coordinatorLessons: Lesson[];
}

/** pending → queued, starting the clock (see TaskRepository.markQueued). */
async function markTaskQueued(q: Queryable, tenantId: string, taskId: string): Promise<TaskRow | null> {
  const { rows } = await q.query<TaskRow>(
    `UPDATE tasks SET status = 'queued', updated_at = now(),
       deadline_at = LEAST(coalesce(requested_deadline_at, 'infinity'), now() + make_interval(secs => timeout_seconds))
     WHERE id = $1 AND tenant_id = $2 AND status = 'pending'
     RETURNING *`,
    [taskId, tenantId],
  );
  return rows[0] ?? null;
}

/** Tasks queued or running, of one tenant or of all. */
async function countUnfinishedTasks(q: Queryable, tenantId?: string): Promise<number> {
  const { rows } = await q.query<{ count: string }>(
    `SELECT count(*) FROM tasks WHERE status IN ('queued', 'in_progress') AND ($1::text IS NULL OR tenant_id = $1)`,
    [tenantId ?? null],
  );
  return Number(rows[0]?.count ?? 0);
}

export interface TaskRepositoryOptions {
  /**
   * When above 0, `markQueued` refuses (QueuedTaskCapError) to start a task of a tenant that
   * already has this many queued or running. Exact across processes: see `markQueued`.
   */
  queuedCapPerTenant?: number;
  /** The common-lexeme cache for the plan's memory candidates; createStore shares one with the memory repository. Default: a cache of its own. */
  commonLexemes?: CommonLexemes;
}

export class TaskRepository {
  /**
   * Capped starts of a tenant in this process, chained: only the head of the chain waits on the
   * advisory lock, so a burst of starts never holds every pooled connection while it waits.
   * Shared with the repositories `withQueuedCap` derives.
   */
  private readonly startChains: Map<string, Promise<unknown>>;
  private readonly lexemes: CommonLexemes;

  constructor(
    private readonly db: Db,
    private readonly options: TaskRepositoryOptions = {},
    startChains?: Map<string, Promise<unknown>>,
  ) {
    this.startChains = startChains ?? new Map();
    this.lexemes = options.commonLexemes ?? new CommonLexemes(db);
  }

  /** The same repository, with `markQueued` held to a per-tenant cap of unfinished tasks (0: none). */
  withQueuedCap(cap: number): TaskRepository {
    return new TaskRepository(this.db, { ...this.options, commonLexemes: this.lexemes, queuedCapPerTenant: cap }, this.startChains);
  }

  /**
   * Stores a new task as `pending`, with its attachments (checked by the caller), or those of
   * `copyAttachmentsFrom` (a re-run), in the same transaction; null when the network does not
   * exist for this tenant (then nothing is stored).
   */
  async create(
    tenantId: string,
    networkId: string,
    body: SubmitTaskBody,
    options: { traceId?: string; attachments?: readonly AttachmentUpload[]; copyAttachmentsFrom?: string } = {},
  ): Promise<Task | null> {
    const attachments = options.attachments ?? [];
    if (attachments.length === 0 && options.copyAttachmentsFrom === undefined) return this.insertTask(this.db, tenantId, networkId, body, options);
    return this.db.transaction(async (tx) => {
      const task = await this.insertTask(tx, tenantId, networkId, body, options);
      if (!task) return null;
      await insertAttachments(tx, tenantId, networkId, task.id, attachments);
      if (options.copyAttachmentsFrom !== undefined) await copyAttachments(tx, tenantId, options.copyAttachmentsFrom, task.id);
      const { rows } = await tx.query<Pick<TaskRow, 'attachment_rows'>>(`SELECT ${TASK_ATTACHMENTS_JSON} AS attachment_rows FROM tasks t WHERE t.id = $1`, [task.id]);
      return { ...task, attachments: (rows[0]?.attachment_rows ?? []).map(toAttachmentMeta) };
    });
  }

  private async insertTask(q: Queryable, tenantId: string, networkId: string, body: SubmitTaskBody, options: { traceId?: string }): Promise<Task | null> {
    const { rows } = await q.query<TaskRow>(
      `INSERT INTO tasks (id, tenant_id, network_id, task, context, priority, max_iterations, timeout_seconds,
                          requested_deadline_at, trace_id, callback_url, approvals, approval_timeout_seconds)
       SELECT $1, $2, n.id, $4, $5, $6, n.max_iterations, n.timeout_seconds, $7, $8, $9, n.approvals || $10::jsonb, n.approval_timeout_seconds
       FROM networks n WHERE n.id = $3 AND n.tenant_id = $2
       RETURNING *`,
      [
        randomUUID(),
        tenantId,
        networkId,
        body.task,
        JSON.stringify(body.context),
        body.priority,
        body.deadline ?? null,
        options.traceId ?? null,
        body.callback_url ?? null,
        // The task's overrides on top of the network's settings.
        JSON.stringify(Object.fromEntries(Object.entries(body.approvals ?? {}).filter(([, v]) => v !== undefined))),
      ],
    );
    const row = rows[0];
    return row ? toTask(row, []) : null;
  }

  /** The task with its subtasks and usage; null when missing or another tenant's (or another network's, when given). */
  async get(tenantId: string, taskId: string, networkId?: string): Promise<Task | null> {
    // One round trip: the subtasks, each with its tool calls, come along as JSON.
    const { rows } = await this.db.query<TaskRow & { subtask_rows: SubtaskRow[] }>(
      `SELECT t.*, u.*,
              ${TASK_SUBTASKS_WITH_TOOL_CALLS_JSON} AS subtask_rows,
              ${TASK_ATTACHMENTS_JSON} AS attachment_rows
       FROM tasks t ${USAGE_JOIN}
       WHERE t.id = $1 AND t.tenant_id = $2 AND ($3::uuid IS NULL OR t.network_id = $3)`,
      [taskId, tenantId, networkId ?? null],
    );
    const row = rows[0];
    if (!row) return null;
    return toTask(row, reviveSubtasks(row.subtask_rows).map(toSubtask));
  }

  async getRow(tenantId: string, taskId: string, q: Queryable = this.db): Promise<TaskRow | null> {
    const { rows } = await q.query<TaskRow>('SELECT * FROM tasks WHERE id = $1 AND tenant_id = $2', [taskId, tenantId]);
    return rows[0] ?? null;
  }

  async list(tenantId: string, networkId: string, query: TaskListQuery): Promise<{ tasks: Task[]; total: number }> {
    const [{ rows }, total] = await Promise.all([
      this.db.query<TaskRow>(
        `SELECT t.*, u.*, ${TASK_ATTACHMENTS_JSON} AS attachment_rows FROM tasks t ${USAGE_JOIN}
         WHERE t.network_id = $1 AND t.tenant_id = $2 AND ($3::text IS NULL OR t.status = $3)
         ORDER BY t.created_at DESC, t.id DESC LIMIT $4 OFFSET $5`,
        [networkId, tenantId, query.status ?? null, query.limit, query.offset],
      ),
      this.db.query<{ count: string }>(
        'SELECT count(*) FROM tasks WHERE network_id = $1 AND tenant_id = $2 AND ($3::text IS NULL OR status = $3)',
        [networkId, tenantId, query.status ?? null],
      ),
    ]);
    return { tasks: rows.map((r) => toTask(r)), total: Number(total.rows[0]?.count ?? 0) };
  }

  /**
   * pending → queued, starting the clock: the deadline is the earlier of the requested one and
   * now + timeout_seconds. Returns the row when this call made the transition, null otherwise
   * (already started, or not found), which is what makes `/process` idempotent.
   */
  async markQueued(tenantId: string, taskId: string): Promise<TaskRow | null> {
    const cap = this.options.queuedCapPerTenant ?? 0;
    if (cap <= 0) return markTaskQueued(this.db, tenantId, taskId);
    // With a cap, the count and the transition are one critical section per tenant: a
    // transaction-scoped advisory lock makes concurrent starts (any API process) take turns, and
    // each count runs after the previous start committed, so the cap is never passed. Only starts
    // take the lock; tasks that end only lower the count. Within a process, starts queue in
    // memory first (inTurn), so waiting for the lock never ties up the connection pool.
    return this.inTurn(tenantId, () =>
      this.db.transaction(async (tx) => {
        await tx.query(`SELECT pg_advisory_xact_lock(hashtext('agent-mesh:' || current_schema() || ':task-start:' || $1::text))`, [tenantId]);
        const unfinished = await countUnfinishedTasks(tx, tenantId);
        if (unfinished >= cap) throw new QueuedTaskCapError(unfinished, cap);
        return markTaskQueued(tx, tenantId, taskId);
      }),
    );
  }

  /** Runs `fn` after the tenant's earlier capped starts in this process have settled. */
  private inTurn<T>(tenantId: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.startChains.get(tenantId) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const settled = run.catch(() => undefined);
    this.startChains.set(tenantId, settled);
    void settled.then(() => {
      if (this.startChains.get(tenantId) === settled) this.startChains.delete(tenantId);
    });
    return run;
  }

  /** Deletes a task that never started (a submit whose start was refused), so a refusal stores nothing. */
  async deletePending(tenantId: string, taskId: string): Promise<boolean> {
    const { rowCount } = await this.db.query(`DELETE FROM tasks WHERE id = $1 AND tenant_id = $2 AND status = 'pending'`, [taskId, tenantId]);
    return (rowCount ?? 0) > 0;
  }

  /** Undoes markQueued when the first jobs could not be enqueued (Redis down): the client may retry. */
  async revertToPending(tenantId: string, taskId: string): Promise<void> {
    await this.db.query(
      `UPDATE tasks SET status = 'pending', deadline_at = NULL, updated_at = now()
       WHERE id = $1 AND tenant_id = $2 AND status = 'queued' AND iterations = 0`,
      [taskId, tenantId],
    );
  }

  /** Subtasks not yet ended, for removing their jobs. */
  async openSubtasks(taskId: string): Promise<{ id: string; agent_type: string }[]> {
    const { rows } = await this.db.query<{ id: string; agent_type: string }>(
      `SELECT id, agent_type FROM subtasks WHERE task_id = $1 AND status IN ('pending', 'queued', 'in_progress', 'awaiting_approval')`,
      [taskId],
    );
    return rows;
  }

  /**
   * The agent playground: a task of one subtask for `agent` on `input`, stored running at
   * iteration 1 of 1 with its subtask queued (no plan to make: the caller dispatches the subtask as
   * the iteration's wave). Null when the network is not the tenant's.
   */
  async createPlayground(
    tenantId: string,
    networkId: string,
    agent: { id: string; type: string },
    body: { input: string; context: Record<string, unknown>; priority: number },
    options: { traceId?: string } = {},
  ): Promise<{ task: TaskRow; subtask: SubtaskRow } | null> {
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<TaskRow>(
        `INSERT INTO tasks (id, tenant_id, network_id, task, context, priority, max_iterations, timeout_seconds, trace_id, approvals, approval_timeout_seconds,
                            playground, status, iterations, planned_iteration, started_at, deadline_at)
         SELECT $1, $2, n.id, $4, $5, $6, 1, n.timeout_seconds, $7, n.approvals, n.approval_timeout_seconds,
                true, 'in_progress', 1, 1, now(), now() + make_interval(secs => n.timeout_seconds)
         FROM networks n WHERE n.id = $3 AND n.tenant_id = $2
         RETURNING *`,
        [randomUUID(), tenantId, networkId, body.input, JSON.stringify(body.context), body.priority, options.traceId ?? null],
      );
      const task = rows[0];
      if (!task) return null;
      const { rows: subtasks } = await tx.query<SubtaskRow>(
        `INSERT INTO subtasks (id, tenant_id, network_id, task_id, iteration, key, agent_type, agent_id, description, status)
         VALUES ($1, $2, $3, $4, 1, 'playground', $5, $6, $7, 'queued') RETURNING *`,
        [randomUUID(), tenantId, networkId, task.id, agent.type, agent.id, body.input],
      );
      return { task, subtask: subtasks[0] as SubtaskRow };
    });
  }

  /**
   * Retrying one failed subtask of an ended task (completed or failed): in one transaction the
   * subtask becomes `queued` again and the task `in_progress` again, back at the subtask's
   * iteration, with a fresh deadline (now + timeout_seconds) and its error, end and webhook
   * delivery cleared, so that the coordinator's wave logic takes it from there and recomputes
   * the outcome. Only a subtask of the task's last iteration that has subtasks can be retried:
   * later iterations were planned from its failure. Returns why not otherwise.
   */
  async reopenForSubtaskRetry(
    tenantId: string,
    networkId: string,
    taskId: string,
    subtaskId: string,
  ): Promise<{ task: TaskRow; subtask: SubtaskRow; iterationSubtasks: SubtaskRow[] } | { refused: 'not_found' | 'task_not_ended' | 'subtask_not_failed' | 'not_last_iteration'; detail: string }> {
    return this.db.transaction(async (tx) => {
      const task = (await tx.query<TaskRow>('SELECT * FROM tasks WHERE id = $1 AND tenant_id = $2 AND network_id = $3 FOR UPDATE', [taskId, tenantId, networkId])).rows[0];
      if (!task) return { refused: 'not_found', detail: `Task ${taskId} not found` };
      const subtask = (await tx.query<SubtaskRow>('SELECT * FROM subtasks WHERE id = $1 AND task_id = $2', [subtaskId, taskId])).rows[0];
      if (!subtask) return { refused: 'not_found', detail: `Subtask ${subtaskId} not found` };
      if (task.status !== 'completed' && task.status !== 'failed') {
        return { refused: 'task_not_ended', detail: `Task ${taskId} is ${task.status}: a subtask can be retried once its task has completed or failed` };
      }
      if (subtask.status !== 'failed') return { refused: 'subtask_not_failed', detail: `Subtask ${subtask.key} is ${subtask.status}: only a failed subtask can be retried` };
      const last = Number((await tx.query<{ last: number }>('SELECT max(iteration) AS last FROM subtasks WHERE task_id = $1', [taskId])).rows[0]?.last ?? 0);
      if (subtask.iteration !== last) {
        return {
          refused: 'not_last_iteration',
          detail: `Subtask ${subtask.key} belongs to iteration ${subtask.iteration}; later iterations were planned from its failure: only a subtask of iteration ${last} can be retried (re-run the task instead)`,
        };
      }
      const { rows: reopened } = await tx.query<TaskRow>(
        `UPDATE tasks SET status = 'in_progress', iterations = $2, error = NULL, completed_at = NULL, webhook_status = NULL, updated_at = now(),
                deadline_at = now() + make_interval(secs => timeout_seconds)
         WHERE id = $1 RETURNING *`,
        [taskId, subtask.iteration],
      );
      const { rows: queued } = await tx.query<SubtaskRow>(
        `UPDATE subtasks SET status = 'queued', error = NULL, result = NULL, started_at = NULL, finished_at = NULL, worker_id = NULL WHERE id = $1 RETURNING *`,
        [subtaskId],
      );
      const iterationSubtasks = (await tx.query<SubtaskRow>('SELECT * FROM subtasks WHERE task_id = $1 AND iteration = $2 ORDER BY created_at, key', [taskId, subtask.iteration])).rows;
      return { task: reopened[0] as TaskRow, subtask: queued[0] as SubtaskRow, iterationSubtasks };
    });
  }

  /**
   * Ends an unfinished task as cancelled or timed_out; subtasks still open end with the same status
   * (a subtask that had finished keeps its own).
   * Returns the row when this call ended it, null when it had already ended or does not exist.
   */
  async stop(tenantId: string, taskId: string, status: 'cancelled' | 'timed_out', error: string): Promise<TaskRow | null> {
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<TaskRow>(
        `UPDATE tasks SET status = $3, error = $4, updated_at = now(), completed_at = now()
         WHERE id = $1 AND tenant_id = $2 AND status = ANY($5::text[])
         RETURNING *`,
        [taskId, tenantId, status, error, UNFINISHED],
      );
      if (rows.length === 0) return null;
      await tx.query(
        `UPDATE subtasks SET status = $3,
                error = CASE WHEN started_at IS NULL THEN $2 || ' before it started' ELSE $2 || ' while it ran' END,
                finished_at = now()
         WHERE task_id = $1 AND status IN ('pending', 'queued', 'in_progress', 'awaiting_approval')`,
        [taskId, `task ${status.replace('_', ' ')}`, status],
      );
      await closePendingApprovals(tx, taskId, `the task was ${status.replace('_', ' ')} before anyone decided`);
      return rows[0] as TaskRow;
    });
  }

  /**
   * Starts coordinator iteration `iteration`: queued|in_progress → in_progress with iterations
   * set to it. Accepts a repeat of the same iteration (a re-delivered step job resumes it) but
   * never a skip or a step back, so `iterations` counts real iterations. In the same round trip
   * it loads what the coordinator plans with: the network, its agents, every subtask of the task
   * so far and the memory candidates relevant to the task. Null when the iteration may not start.
   */
  async beginIterationWithContext(
    tenantId: string,
    taskId: string,
    iteration: number,
    memory: MemoryCandidateQuery,
  ): Promise<IterationContext | null> {
    const params: unknown[] = [taskId, tenantId, iteration];
    const memorySql = memoryCandidatesJsonSql(params, { network: 't.network_id', tenant: 't.tenant_id', text: 't.task' }, memory, await this.lexemes.get());
    const { rows } = await this.db.query<{ t: TaskRow; n: NetworkRow | null; a: AgentRow[]; s: SubtaskRow[]; m: MemoryCandidate[]; l: Lesson[] | null }>(
      `WITH t AS (
         UPDATE tasks SET status = 'in_progress', iterations = $3, updated_at = now(), started_at = coalesce(started_at, now())
         WHERE id = $1 AND tenant_id = $2 AND status IN ('queued', 'in_progress') AND iterations IN ($3 - 1, $3) AND $3 <= max_iterations
         RETURNING *)
       SELECT to_jsonb(t) AS t, to_jsonb(n) AS n,
              (SELECT coalesce(jsonb_agg(to_jsonb(a) ORDER BY a.created_at, a.id), '[]') FROM agents a WHERE a.network_id = t.network_id) AS a,
              ${TASK_SUBTASKS_JSON} AS s,
              ${memorySql} AS m,
              (SELECT l.lessons FROM agent_lessons l WHERE l.network_id = t.network_id AND l.agent_type = '${COORDINATOR_TYPE}' ORDER BY l.version DESC LIMIT 1) AS l
       FROM t LEFT JOIN networks n ON n.id = t.network_id AND n.tenant_id = t.tenant_id`,
      params,
    );
    const row = rows[0];
    if (!row) return null;
    return {
      task: reviveDates(row.t, TASK_DATES),
      network: row.n ? reviveDates(row.n, ['created_at', 'updated_at']) : null,
      agents: row.a.map((a) => reviveDates(a, ['created_at'])),
      subtasks: reviveSubtasks(row.s),
      memoryCandidates: reviveMemoryCandidates(row.m),
      coordinatorLessons: row.l ?? [],
    };
  }

  /** The task and the subtasks of one iteration, in one round trip (the `wave` handler). */
  async withIteration(tenantId: string, taskId: string, iteration: number): Promise<{ task: TaskRow; subtasks: SubtaskRow[] } | null> {
    const { rows } = await this.db.query<{ t: TaskRow; s: SubtaskRow[] }>(
      `SELECT to_jsonb(t) AS t,
              (SELECT coalesce(jsonb_agg(to_jsonb(s) ORDER BY s.created_at, s.key), '[]') FROM subtasks s WHERE s.task_id = t.id AND s.iteration = $3) AS s
       FROM tasks t WHERE t.id = $1 AND t.tenant_id = $2`,
      [taskId, tenantId, iteration],
    );
    const row = rows[0];
    return row ? { task: reviveDates(row.t, TASK_DATES), subtasks: reviveSubtasks(row.s) } : null;
  }

  /**
   * in_progress → completed with the result; `safety` items (what the safety filter did to the
   * result) are added to those the subtasks recorded. Null when the task had already ended. A task
   * awaiting the approval of its result completes from there (the time it waited is counted).
   */
  async complete(tenantId: string, taskId: string, outcome: { result: TaskResult; simulated: boolean; safety?: SafetyItem[] }): Promise<TaskRow | null> {
    const { rows } = await this.db.query<TaskRow>(
      `UPDATE tasks SET status = 'completed', result = $3, simulated = simulated OR $4, safety = ${MERGED_SAFETY('$5')}, error = NULL,
              ${END_WAITING}, updated_at = now(), completed_at = now()
       WHERE id = $1 AND tenant_id = $2 AND status IN ('queued', 'in_progress', 'awaiting_approval') RETURNING *`,
      [taskId, tenantId, JSON.stringify(outcome.result), outcome.simulated, JSON.stringify(outcome.safety ?? [])],
    );
    return rows[0] ?? null;
  }

  /** Adds what the safety filter did to part of a task's output (e.g. the coordinator's memories) to its `safety` record. */
  async recordSafety(taskId: string, items: SafetyItem[], q: Queryable = this.db): Promise<void> {
    if (items.length === 0) return;
    await q.query(taskSafetyUpdateSql('$1', '$2'), [taskId, JSON.stringify(items)]);
  }

  /** Ends an unfinished task as failed with a reason; open subtasks become skipped. Null when it had already ended. */
  async fail(tenantId: string, taskId: string, error: string): Promise<TaskRow | null> {
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<TaskRow>(
        `UPDATE tasks SET status = 'failed', error = $3, updated_at = now(), completed_at = now()
         WHERE id = $1 AND tenant_id = $2 AND status = ANY($4::text[]) RETURNING *`,
        [taskId, tenantId, error.slice(0, 4000), UNFINISHED],
      );
      if (rows.length === 0) return null;
      await tx.query(
        `UPDATE subtasks SET status = 'skipped', error = 'task failed', finished_at = now()
         WHERE task_id = $1 AND status IN ('pending', 'queued', 'in_progress', 'awaiting_approval')`,
        [taskId],
      );
      await closePendingApprovals(tx, taskId, 'the task failed before anyone decided');
      return rows[0] as TaskRow;
    });
  }

  /** Tokens and cost of every model call of a task so far. */
  async usage(taskId: string): Promise<{ tokens: number; costUsd: number }> {
    const { rows } = await this.db.query<{ tokens: string; cost: string }>(
      'SELECT coalesce(sum(input_tokens + output_tokens), 0) AS tokens, coalesce(sum(cost_usd), 0) AS cost FROM llm_calls WHERE task_id = $1',
      [taskId],
    );
    return { tokens: Number(rows[0]?.tokens ?? 0), costUsd: Number(rows[0]?.cost ?? 0) };
  }

  /** Records the outcome of a finished task's webhook delivery. */
  async markWebhook(taskId: string, status: 'delivered' | 'failed'): Promise<void> {
    await this.db.query('UPDATE tasks SET webhook_status = $2 WHERE id = $1', [taskId, status]);
  }

  /** Finished tasks that still owe a webhook delivery, finished at least `quietMs` ago. */
  async owedWebhooks(quietMs: number, limit: number): Promise<Pick<TaskRow, 'id' | 'tenant_id' | 'trace_id'>[]> {
    const { rows } = await this.db.query<Pick<TaskRow, 'id' | 'tenant_id' | 'trace_id'>>(
      `SELECT id, tenant_id, trace_id FROM tasks
       WHERE callback_url IS NOT NULL AND webhook_status IS NULL AND status IN ('completed', 'failed', 'timed_out', 'cancelled')
         AND completed_at < now() - make_interval(secs => $1::float8 / 1000)
       ORDER BY completed_at LIMIT $2`,
      [quietMs, limit],
    );
    return rows;
  }

  /** Unfinished tasks whose deadline has passed (their deadline job may have been lost). */
  async pastDeadline(limit: number): Promise<Pick<TaskRow, 'id' | 'tenant_id' | 'timeout_seconds'>[]> {
    const { rows } = await this.db.query<Pick<TaskRow, 'id' | 'tenant_id' | 'timeout_seconds'>>(
      `SELECT id, tenant_id, timeout_seconds FROM tasks
       WHERE status IN ('queued', 'in_progress') AND deadline_at < now() ORDER BY deadline_at LIMIT $1`,
      [limit],
    );
    return rows;
  }

  /**
   * Unfinished tasks with no progress (task or subtask change) for `quietMs`: candidates for the
   * recovery sweeper, which checks whether their next job still exists.
   */
  async quietUnfinished(quietMs: number, limit: number): Promise<TaskRow[]> {
    const { rows } = await this.db.query<TaskRow>(
      `SELECT t.* FROM tasks t
       WHERE t.status IN ('queued', 'in_progress') AND t.updated_at < now() - make_interval(secs => $1::float8 / 1000)
         AND NOT EXISTS (
           SELECT 1 FROM subtasks s WHERE s.task_id = t.id
             AND greatest(s.created_at, coalesce(s.started_at, s.created_at), coalesce(s.finished_at, s.created_at)) >= now() - make_interval(secs => $1::float8 / 1000))
       ORDER BY t.updated_at LIMIT $2`,
      [quietMs, limit],
    );
    return rows;
  }

  /** Throws NotFoundError unless the task exists for this tenant (and network, when given). */
  async require(tenantId: string, taskId: string, networkId?: string): Promise<TaskRow> {
    const row = await this.getRow(tenantId, taskId);
    if (!row || (networkId && row.network_id !== networkId)) throw new NotFoundError('Task', taskId);
    return row;
  }

  /** Tasks queued or running, of one tenant (the backpressure measure) or of all. */
  /** Queued, running and waiting tasks per tenant (fair scheduling's counts, reset by the recovery sweeper). */
  async unfinishedByTenant(): Promise<Map<string, number>> {
    const { rows } = await this.db.query<{ tenant_id: string; count: string }>(
      `SELECT tenant_id, count(*) FROM tasks WHERE status IN ('queued', 'in_progress', 'awaiting_approval') GROUP BY tenant_id`,
    );
    return new Map(rows.map((r) => [r.tenant_id, Number(r.count)]));
  }

  async countUnfinished(tenantId?: string): Promise<number> {
    return countUnfinishedTasks(this.db, tenantId);
  }
}
