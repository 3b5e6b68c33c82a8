import { randomUUID } from 'node:crypto';
import type { PlannedSubtask, SafetyItem, SuggestedMemory } from '@mesh/core';
import type { Db } from './db';
import type { AgentRow, SubtaskRow, TaskRow } from './mappers';
import { memoryUpsertSql, type NewMemory } from './memory-repository';
import { taskSafetyUpdateSql } from './task-repository';
import { reviveDates, SUBTASK_DATES } from './json-rows';

/** Everything a worker needs to run one subtask, loaded in one round trip. */
export interface SubtaskWork {
  subtask: SubtaskRow;
  task: Pick<TaskRow, 'id' | 'tenant_id' | 'network_id' | 'task' | 'context' | 'status' | 'priority' | 'deadline_at' | 'trace_id'>;
  sharedContext: Record<string, unknown>;
  agent: AgentRow | null;
  dependencies: Pick<SubtaskRow, 'key' | 'agent_type' | 'status' | 'result' | 'error'>[];
}

export interface SubtaskCompletion {
  result: string;
  reasoning: string;
  confidence: number;
  model: string;
  memories: SuggestedMemory[];
  /** What the safety filter did to this output; recorded on the task in the same transaction. */
  safety?: SafetyItem[];
}

const OPEN = `('pending', 'queued', 'in_progress')`;

export class SubtaskRepository {
  constructor(private readonly db: Db) {}

  /**
   * Persists an iteration's plan and the coordinator's new memories, once: the task's
   * `planned_iteration` moves forward in the same statement, so a re-delivered or racing step
   * inserts nothing (not a second plan, not the memories again) and gets the stored plan back.
   * Subtasks without dependencies start `queued`: they are the first wave.
   */
  async insertPlan(
    task: Pick<TaskRow, 'id' | 'tenant_id' | 'network_id'>,
    iteration: number,
    plan: (PlannedSubtask & { agent_id: string | null })[],
    memories: { items: NewMemory[]; agentId: string | null } = { items: [], agentId: null },
  ): Promise<SubtaskRow[]> {
    const params: unknown[] = [task.id, iteration];
    const tuples = plan.map((s) => {
      const b = params.length;
      params.push(randomUUID(), task.tenant_id, task.network_id, s.key, s.agent_type, s.agent_id, s.description, s.depends_on, s.depends_on.length === 0 ? 'queued' : 'pending');
      return `($${b + 1}::uuid, $${b + 2}, $${b + 3}::uuid, $1::uuid, $2::int, $${b + 4}, $${b + 5}, $${b + 6}::uuid, $${b + 7}, $${b + 8}::text[], $${b + 9})`;
    });
    const parts = [
      `planned AS (UPDATE tasks SET planned_iteration = $2 WHERE id = $1 AND planned_iteration < $2 RETURNING id)`,
      `inserted AS (
         INSERT INTO subtasks (id, tenant_id, network_id, task_id, iteration, key, agent_type, agent_id, description, depends_on, status)
         SELECT v.* FROM (VALUES ${tuples.join(', ')}) AS v WHERE EXISTS (SELECT 1 FROM planned)
         ON CONFLICT (task_id, iteration, key) DO NOTHING RETURNING *)`,
    ];
    if (memories.items.length > 0) {
      const source = { kind: 'coordinator' as const, taskId: task.id, agentId: memories.agentId };
      parts.push(`memories AS (${memoryUpsertSql(params, task.tenant_id, task.network_id, memories.items, source, 'EXISTS (SELECT 1 FROM planned)')})`);
    }
    const { rows } = await this.db.query<SubtaskRow>(
      `WITH ${parts.join(',\n')}
       SELECT * FROM inserted
       UNION ALL
       SELECT * FROM subtasks WHERE task_id = $1 AND iteration = $2 AND NOT EXISTS (SELECT 1 FROM planned)`,
      params,
    );
    return rows.sort((a, b) => a.created_at.getTime() - b.created_at.getTime() || a.key.localeCompare(b.key));
  }

  async forIteration(taskId: string, iteration: number): Promise<SubtaskRow[]> {
    const { rows } = await this.db.query<SubtaskRow>('SELECT * FROM subtasks WHERE task_id = $1 AND iteration = $2 ORDER BY created_at, key', [
      taskId,
      iteration,
    ]);
    return rows;
  }

  async forTask(taskId: string): Promise<SubtaskRow[]> {
    const { rows } = await this.db.query<SubtaskRow>('SELECT * FROM subtasks WHERE task_id = $1 ORDER BY iteration, created_at, key', [taskId]);
    return rows;
  }

  /** pending → queued for the subtasks a wave dispatches. */
  async markQueued(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db.query(`UPDATE subtasks SET status = 'queued' WHERE id = ANY($1::uuid[]) AND status = 'pending'`, [ids]);
  }

  /**
   * Claims a subtask for a run and loads everything the run needs, in one statement: open →
   * in_progress (counting the attempt) only while its task is unfinished, with the task, the
   * network's shared context, the agent of its type and its dependencies' results. The tenant
   * and task of the job are re-checked against the database. Null when there is nothing to run
   * (missing, another tenant's, ended, or its task has ended).
   */
  async claim(
    tenantId: string,
    taskId: string,
    subtaskId: string,
    workerId: string,
  ): Promise<SubtaskWork | null> {
    const params: unknown[] = [subtaskId, tenantId, taskId, workerId];
    const { rows } = await this.db.query<{
      s: SubtaskRow;
      t: SubtaskWork['task'];
      shared_context: Record<string, unknown>;
      a: AgentRow | null;
      d: SubtaskWork['dependencies'];
    }>(
      `WITH s AS (
         UPDATE subtasks SET status = 'in_progress', attempts = attempts + 1, started_at = now(), worker_id = $4, error = NULL
         WHERE id = $1 AND tenant_id = $2 AND task_id = $3 AND status IN ${OPEN}
           AND EXISTS (SELECT 1 FROM tasks t WHERE t.id = $3 AND t.tenant_id = $2 AND t.status IN ('queued', 'in_progress'))
         RETURNING *)
       SELECT to_jsonb(s) AS s,
              jsonb_build_object('id', t.id, 'tenant_id', t.tenant_id, 'network_id', t.network_id, 'task', t.task, 'context', t.context,
                                 'status', t.status, 'priority', t.priority, 'deadline_at', t.deadline_at, 'trace_id', t.trace_id) AS t,
              n.shared_context, to_jsonb(a) AS a,
              (SELECT coalesce(jsonb_agg(jsonb_build_object('key', d.key, 'agent_type', d.agent_type, 'status', d.status, 'result', d.result, 'error', d.error) ORDER BY d.key), '[]')
               FROM subtasks d WHERE d.task_id = s.task_id AND d.iteration = s.iteration AND d.key = ANY (s.depends_on)) AS d
       FROM s
       JOIN tasks t ON t.id = s.task_id
       JOIN networks n ON n.id = s.network_id
       LEFT JOIN agents a ON a.network_id = s.network_id AND a.type = s.agent_type`,
      params,
    );
    const row = rows[0];
    if (!row) return null;
    return {
      subtask: reviveDates(row.s, SUBTASK_DATES),
      task: reviveDates(row.t, ['deadline_at']),
      sharedContext: row.shared_context,
      agent: row.a ? reviveDates(row.a, ['created_at']) : null,
      dependencies: row.d,
    };
  }

  /**
   * Stores a result, the agent's suggested memories and what the safety filter did, in one
   * statement, only if the subtask is still in progress: a duplicate delivery that finishes second
   * writes nothing.
   */
  async complete(work: SubtaskWork, completion: SubtaskCompletion): Promise<SubtaskRow | null> {
    const params: unknown[] = [work.subtask.id, completion.result, completion.reasoning, completion.confidence, completion.model];
    const parts = [
      `done AS (
         UPDATE subtasks SET status = 'completed', result = $2, reasoning = $3, confidence = $4, model = $5, finished_at = now(), error = NULL
         WHERE id = $1 AND status = 'in_progress' RETURNING *)`,
    ];
    const memories = completion.memories.map((m) => ({ memory_type: m.type, content: m.content, confidence: m.confidence }));
    if (memories.length > 0) {
      const source = { kind: 'agent' as const, taskId: work.task.id, subtaskId: work.subtask.id, agentId: work.agent?.id ?? null };
      parts.push(`memories AS (${memoryUpsertSql(params, work.task.tenant_id, work.task.network_id, memories, source, 'EXISTS (SELECT 1 FROM done)')})`);
    }
    const safety = completion.safety ?? [];
    if (safety.length > 0) {
      params.push(work.task.id, JSON.stringify(safety));
      parts.push(`safety AS (${taskSafetyUpdateSql(`$${params.length - 1}`, `$${params.length}`)} AND EXISTS (SELECT 1 FROM done))`);
    }
    const { rows } = await this.db.query<SubtaskRow>(`WITH ${parts.join(',\n')} SELECT * FROM done`, params);
    return rows[0] ?? null;
  }

  /** Marks a subtask failed (retries exhausted or not retryable). Null when it had already ended. */
  async fail(subtaskId: string, error: string): Promise<SubtaskRow | null> {
    const { rows } = await this.db.query<SubtaskRow>(
      `UPDATE subtasks SET status = 'failed', error = $2, finished_at = now() WHERE id = $1 AND status IN ${OPEN} RETURNING *`,
      [subtaskId, error.slice(0, 2000)],
    );
    return rows[0] ?? null;
  }

  /** Marks the given open subtasks skipped (e.g. a plan that can no longer run). */
  async skip(ids: string[], reason: string): Promise<void> {
    if (ids.length === 0) return;
    await this.db.query(`UPDATE subtasks SET status = 'skipped', error = $2, finished_at = now() WHERE id = ANY($1::uuid[]) AND status IN ${OPEN}`, [
      ids,
      reason,
    ]);
  }
}
