import type { Run, RunListQuery } from '@mesh/core';
import type { Db } from './db';

/** `%`, `_` and `\` of a search text match themselves in ILIKE. */
const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

const iso = (d: unknown): string | null => (d instanceof Date ? d.toISOString() : d == null ? null : String(d));

/**
 * Find any run: a tenant's tasks across its networks, newest first, filtered by status, network,
 * agent type, creation time and cost, and searched in their text, result and error. Reads only the
 * tenant's rows (tasks_tenant_created); usage is summed per task from llm_calls as the task view does.
 */
export class RunRepository {
  constructor(private readonly db: Db) {}

  async search(tenantId: string, query: RunListQuery, nowMs = Date.now()): Promise<{ runs: Run[]; total: number }> {
    const { rows } = await this.db.query<Record<string, unknown>>(
      `SELECT t.id, t.network_id, n.name AS network_name, t.task, t.status, t.priority, t.iterations, t.error,
              t.created_at, t.started_at, t.completed_at,
              u.input_tokens, u.output_tokens, u.cost_usd, u.llm_calls,
              s.agent_types, s.subtasks, s.failed_subtasks,
              count(*) OVER () AS total_count
       FROM tasks t
       JOIN networks n ON n.id = t.network_id
       LEFT JOIN LATERAL (
         SELECT coalesce(sum(c.input_tokens), 0) AS input_tokens, coalesce(sum(c.output_tokens), 0) AS output_tokens,
                coalesce(sum(c.cost_usd), 0) AS cost_usd, count(*) AS llm_calls
         FROM llm_calls c WHERE c.task_id = t.id
       ) u ON true
       LEFT JOIN LATERAL (
         SELECT coalesce(array_agg(DISTINCT st.agent_type ORDER BY st.agent_type), '{}') AS agent_types, count(*) AS subtasks,
                count(*) FILTER (WHERE st.status = 'failed') AS failed_subtasks
         FROM subtasks st WHERE st.task_id = t.id
       ) s ON true
       WHERE t.tenant_id = $1
         AND ($2::text IS NULL OR t.status = $2)
         AND ($3::uuid IS NULL OR t.network_id = $3)
         AND ($4::text IS NULL OR $4 = ANY (s.agent_types))
         AND ($5::timestamptz IS NULL OR t.created_at >= $5)
         AND ($6::timestamptz IS NULL OR t.created_at < $6)
         AND ($7::numeric IS NULL OR u.cost_usd >= $7)
         AND ($8::numeric IS NULL OR u.cost_usd <= $8)
         AND ($9::text IS NULL OR t.task ILIKE $9 OR coalesce(t.result->>'content', '') ILIKE $9 OR coalesce(t.error, '') ILIKE $9)
       ORDER BY t.created_at DESC, t.id DESC
       LIMIT $10 OFFSET $11`,
      [
        tenantId,
        query.status ?? null,
        query.network_id ?? null,
        query.agent_type ?? null,
        query.from ?? null,
        query.to ?? null,
        query.min_cost_usd ?? null,
        query.max_cost_usd ?? null,
        query.q ? likePattern(query.q) : null,
        query.limit,
        query.offset,
      ],
    );
    const total = rows.length > 0 ? Number(rows[0]!.total_count) : await this.count(tenantId, query);
    return { runs: rows.map((r) => toRun(r, nowMs)), total };
  }

  /** A page past the end has no rows to carry the total: counted on its own. */
  private async count(tenantId: string, query: RunListQuery): Promise<number> {
    if (query.offset === 0) return 0;
    const { total } = await this.search(tenantId, { ...query, offset: 0, limit: 1 });
    return total;
  }
}

function toRun(r: Record<string, unknown>, nowMs: number): Run {
  const startedAt = iso(r.started_at);
  const completedAt = iso(r.completed_at);
  const start = startedAt ? Date.parse(startedAt) : null;
  return {
    id: String(r.id),
    task_id: String(r.id),
    network_id: String(r.network_id),
    network_name: String(r.network_name),
    task: String(r.task),
    status: r.status as Run['status'],
    priority: Number(r.priority),
    iterations: Number(r.iterations),
    error: (r.error as string | null) ?? null,
    usage: {
      input_tokens: Number(r.input_tokens),
      output_tokens: Number(r.output_tokens),
      cost_usd: Number(r.cost_usd),
      llm_calls: Number(r.llm_calls),
    },
    agent_types: (r.agent_types as string[] | null) ?? [],
    subtasks: Number(r.subtasks),
    failed_subtasks: Number(r.failed_subtasks),
    created_at: iso(r.created_at) ?? '',
    started_at: startedAt,
    completed_at: completedAt,
    duration_ms: start === null ? null : Math.max(0, (completedAt ? Date.parse(completedAt) : nowMs) - start),
  };
}
