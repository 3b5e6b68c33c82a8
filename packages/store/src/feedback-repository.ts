import { randomUUID } from 'node:crypto';
import type { Feedback } from '@mesh/core';
import type { Db } from './db';
import { memoryUpsertSql } from './sql/memory-upsert';

interface FeedbackRow {
  id: string;
  tenant_id: string;
  network_id: string;
  task_id: string;
  subtask_id: string | null;
  agent_type: string;
  rating: number;
  comment: string | null;
  correction: string | null;
  memory_id: string | null;
  lesson_version: number | null;
  created_at: Date;
}

function toFeedback(row: FeedbackRow): Feedback {
  return {
    feedback_id: row.id,
    network_id: row.network_id,
    task_id: row.task_id,
    subtask_id: row.subtask_id,
    agent_type: row.agent_type,
    rating: row.rating,
    comment: row.comment,
    correction: row.correction,
    memory_id: row.memory_id,
    lesson_version: row.lesson_version,
    created_at: row.created_at.toISOString(),
  };
}

/** A feedback item to store, already checked against its task (and subtask). */
export interface NewFeedback {
  tenantId: string;
  networkId: string;
  taskId: string;
  subtaskId: string | null;
  /** The subtask's agent type, or `coordinator` for feedback on the task. */
  agentType: string;
  rating: number;
  comment: string | null;
  correction: string | null;
}

/** The readable sentence the feedback's memory item holds: what retrieval matches and prompts show. */
export function feedbackMemoryContent(f: Pick<NewFeedback, 'agentType' | 'rating' | 'comment' | 'correction'>): string {
  const parts = [`A person rated the ${f.agentType} agent's work ${f.rating} out of 5.`];
  if (f.comment) parts.push(`Comment: ${f.comment}`);
  if (f.correction) parts.push(`Correction: ${f.correction}`);
  return parts.join(' ');
}

/** A feedback item as the distillation reads it. */
export type FeedbackForLessons = Pick<Feedback, 'feedback_id' | 'task_id' | 'subtask_id' | 'rating' | 'comment' | 'correction' | 'created_at'>;

/**
 * People's feedback on finished tasks. Each item is also a shared-memory item of type `feedback`
 * (linked to its agent type, task and rating), written in the same statement.
 */
export class FeedbackRepository {
  constructor(private readonly db: Db) {}

  /**
   * Stores the feedback and its memory item in one statement; `pending` is how many feedback
   * items of its agent type (this one included) no lessons version has distilled yet.
   */
  async create(input: NewFeedback): Promise<{ feedback: Feedback; pending: number }> {
    const id = randomUUID();
    const params: unknown[] = [id, input.tenantId, input.networkId, input.taskId, input.subtaskId, input.agentType, input.rating, input.comment, input.correction];
    const memory = memoryUpsertSql(
      params,
      input.tenantId,
      input.networkId,
      [
        {
          memory_type: 'feedback',
          content: feedbackMemoryContent(input),
          confidence: 1,
          metadata: { feedback_id: id, agent_type: input.agentType, task_id: input.taskId, subtask_id: input.subtaskId, rating: input.rating },
        },
      ],
      { kind: 'api', taskId: input.taskId, subtaskId: input.subtaskId },
    );
    const { rows } = await this.db.query<FeedbackRow & { pending: string }>(
      `WITH memory AS (${memory}),
       inserted AS (
         INSERT INTO feedback (id, tenant_id, network_id, task_id, subtask_id, agent_type, rating, comment, correction, memory_id)
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, (SELECT m.id FROM memory m LIMIT 1)
         RETURNING *)
       SELECT i.*, (SELECT count(*) FROM feedback f WHERE f.network_id = i.network_id AND f.agent_type = i.agent_type AND f.lesson_version IS NULL) + 1 AS pending
       FROM inserted i`,
      params,
    );
    const row = rows[0]!;
    return { feedback: toFeedback(row), pending: Number(row.pending) };
  }

  /** A task's feedback, oldest first. */
  async forTask(tenantId: string, taskId: string): Promise<Feedback[]> {
    const { rows } = await this.db.query<FeedbackRow>('SELECT * FROM feedback WHERE task_id = $1 AND tenant_id = $2 ORDER BY created_at, id', [taskId, tenantId]);
    return rows.map(toFeedback);
  }

  /** A network's feedback (of one agent type, when given), newest first. */
  async forNetwork(tenantId: string, networkId: string, query: { agentType?: string; limit: number }): Promise<Feedback[]> {
    const { rows } = await this.db.query<FeedbackRow>(
      `SELECT * FROM feedback WHERE network_id = $1 AND tenant_id = $2 AND ($3::text IS NULL OR agent_type = $3)
       ORDER BY created_at DESC, id DESC LIMIT $4`,
      [networkId, tenantId, query.agentType ?? null, query.limit],
    );
    return rows.map(toFeedback);
  }

  /** How many feedback items of an agent type no lessons version has distilled yet. */
  async pendingCount(tenantId: string, networkId: string, agentType: string): Promise<number> {
    const { rows } = await this.db.query<{ n: string }>(
      'SELECT count(*) AS n FROM feedback WHERE network_id = $1 AND tenant_id = $2 AND agent_type = $3 AND lesson_version IS NULL',
      [networkId, tenantId, agentType],
    );
    return Number(rows[0]?.n ?? 0);
  }

  /** The oldest feedback items of an agent type not yet distilled, at most `limit`. */
  async undistilled(tenantId: string, networkId: string, agentType: string, limit: number): Promise<FeedbackForLessons[]> {
    const { rows } = await this.db.query<FeedbackRow>(
      `SELECT * FROM feedback WHERE network_id = $1 AND tenant_id = $2 AND agent_type = $3 AND lesson_version IS NULL
       ORDER BY created_at, id LIMIT $4`,
      [networkId, tenantId, agentType, limit],
    );
    return rows.map((r) => {
      const f = toFeedback(r);
      return { feedback_id: f.feedback_id, task_id: f.task_id, subtask_id: f.subtask_id, rating: f.rating, comment: f.comment, correction: f.correction, created_at: f.created_at };
    });
  }
}
