import { randomUUID } from 'node:crypto';
import type { PlannedSubtask, SafetyItem, SuggestedMemory } from '@mesh/core';
import type { Db } from './db';
import type { AgentRow, SubtaskRow, TaskRow } from './mappers';
import { upsertMemories } from './memory-repository';
import { recordTaskSafety } from './task-repository';

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
   * Persists an iteration's plan idempotently (unique task, iteration, key): a re-delivered step
   * inserts nothing new. Returns every subtask of the iteration.
   */
  async insertPlan(
    task: Pick<TaskRow, 'id' | 'tenant_id' | 'network_id'>,
    iteration: number,
    plan: (PlannedSubtask & { agent_id: string | null })[],
  ): Promise<SubtaskRow[]> {
    if (plan.length > 0) {
      await this.db.transaction(async (tx) => {
        // One plan per iteration: two deliveries of the same step racing with different plans
        // must not store the union of both.
        await tx.query('SELECT 1 FROM tasks WHERE id = $1 FOR UPDATE', [task.id]);
        const existing = await tx.query('SELECT 1 FROM subtasks WHERE task_id = $1 AND iteration = $2 LIMIT 1', [task.id, iteration]);
        if (existing.rows.length > 0) return;
        const values: unknown[] = [];
        const tuples = plan.map((s, i) => {
          const b = i * 10;
          values.push(randomUUID(), task.tenant_id, task.network_id, task.id, iteration, s.key, s.agent_type, s.agent_id, s.description, s.depends_on);
          return `($${b + 1}::uuid, $${b + 2}, $${b + 3}::uuid, $${b + 4}::uuid, $${b + 5}::int, $${b + 6}, $${b + 7}, $${b + 8}::uuid, $${b + 9}, $${b + 10}::text[])`;
        });
        await tx.query(
          `INSERT INTO subtasks (id, tenant_id, network_id, task_id, iteration, key, agent_type, agent_id, description, depends_on)
           VALUES ${tuples.join(', ')} ON CONFLICT (task_id, iteration, key) DO NOTHING`,
          values,
        );
      });
    }
    return this.forIteration(task.id, iteration);
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

  /** Loads a subtask with its task, network context, agent and dependencies; tenant re-checked. */
  async loadWork(tenantId: string, subtaskId: string): Promise<SubtaskWork | null> {
    const { rows } = await this.db.query<{ s: SubtaskRow; t: SubtaskWork['task']; shared_context: Record<string, unknown>; a: AgentRow | null }>(
      `SELECT to_jsonb(s) AS s,
              jsonb_build_object('id', t.id, 'tenant_id', t.tenant_id, 'network_id', t.network_id, 'task', t.task, 'context', t.context,
                                 'status', t.status, 'priority', t.priority, 'deadline_at', t.deadline_at, 'trace_id', t.trace_id) AS t,
              n.shared_context, to_jsonb(a) AS a
       FROM subtasks s
       JOIN tasks t ON t.id = s.task_id
       JOIN networks n ON n.id = s.network_id
       LEFT JOIN agents a ON a.network_id = s.network_id AND a.type = s.agent_type
       WHERE s.id = $1 AND s.tenant_id = $2 AND t.tenant_id = $2`,
      [subtaskId, tenantId],
    );
    const row = rows[0];
    if (!row) return null;
    const subtask = reviveDates(row.s, ['created_at', 'started_at', 'finished_at']);
    const task = reviveDates(row.t, ['deadline_at']);
    const agent = row.a ? reviveDates(row.a, ['created_at']) : null;
    let dependencies: SubtaskWork['dependencies'] = [];
    if (subtask.depends_on.length > 0) {
      const deps = await this.db.query<SubtaskWork['dependencies'][number]>(
        `SELECT key, agent_type, status, result, error FROM subtasks WHERE task_id = $1 AND iteration = $2 AND key = ANY($3::text[]) ORDER BY key`,
        [subtask.task_id, subtask.iteration, subtask.depends_on],
      );
      dependencies = deps.rows;
    }
    return { subtask, task, sharedContext: row.shared_context, agent, dependencies };
  }

  /** Claims a subtask for a run: open → in_progress, counting the attempt. Null when it has ended. */
  async start(subtaskId: string, workerId: string): Promise<SubtaskRow | null> {
    const { rows } = await this.db.query<SubtaskRow>(
      `UPDATE subtasks SET status = 'in_progress', attempts = attempts + 1, started_at = now(), worker_id = $2, error = NULL
       WHERE id = $1 AND status IN ${OPEN} RETURNING *`,
      [subtaskId, workerId],
    );
    return rows[0] ?? null;
  }

  /**
   * Stores a result and the agent's suggested memories in one transaction, only if the subtask
   * is still in progress: a duplicate delivery that finishes second writes nothing.
   */
  async complete(work: SubtaskWork, completion: SubtaskCompletion): Promise<SubtaskRow | null> {
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<SubtaskRow>(
        `UPDATE subtasks SET status = 'completed', result = $2, reasoning = $3, confidence = $4, model = $5, finished_at = now(), error = NULL
         WHERE id = $1 AND status = 'in_progress' RETURNING *`,
        [work.subtask.id, completion.result, completion.reasoning, completion.confidence, completion.model],
      );
      const row = rows[0];
      if (!row) return null;
      await upsertMemories(
        tx,
        work.task.tenant_id,
        work.task.network_id,
        completion.memories.map((m) => ({ memory_type: m.type, content: m.content, confidence: m.confidence })),
        { kind: 'agent', taskId: work.task.id, subtaskId: work.subtask.id, agentId: work.agent?.id ?? null },
      );
      await recordTaskSafety(tx, work.task.id, completion.safety ?? []);
      return row;
    });
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

/** to_jsonb turns timestamps into strings; the row types promise Dates. */
function reviveDates<T>(value: T, keys: string[]): T {
  const out = value as Record<string, unknown>;
  for (const key of keys) {
    const v = out[key];
    if (typeof v === 'string') out[key] = new Date(v);
  }
  return value;
}
