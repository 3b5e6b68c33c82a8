import type { TrendAgentType, TrendDay, TrendReport } from '@mesh/core';
import type { Db } from './db';

const ENDED = `status IN ('completed', 'failed', 'timed_out')`;

/** The outcome columns of a group whose rows have `status`, `started_at`, `finished` and usage `cost`, `tokens`. */
const OUTCOME_COLUMNS = `
  count(*) FILTER (WHERE status = 'completed') AS completed,
  count(*) FILTER (WHERE status = 'failed') AS failed,
  count(*) FILTER (WHERE status = 'timed_out') AS timed_out,
  count(*) FILTER (WHERE status = 'cancelled') AS cancelled,
  count(*) FILTER (WHERE ${ENDED}) AS ended,
  avg(duration_ms) FILTER (WHERE ${ENDED}) AS avg_duration_ms,
  percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms) FILTER (WHERE ${ENDED}) AS p95_duration_ms,
  coalesce(sum(cost), 0) AS cost_usd,
  coalesce(sum(tokens), 0) AS tokens`;

function outcomes(r: Record<string, unknown>) {
  const ended = Number(r.ended);
  const failed = Number(r.failed);
  const timedOut = Number(r.timed_out);
  const ms = (v: unknown) => (v === null || v === undefined ? null : Math.round(Number(v)));
  return {
    completed: Number(r.completed),
    failed,
    timed_out: timedOut,
    cancelled: Number(r.cancelled),
    failure_rate: ended === 0 ? null : (failed + timedOut) / ended,
    avg_duration_ms: ms(r.avg_duration_ms),
    p95_duration_ms: ms(r.p95_duration_ms),
    cost_usd: Math.round(Number(r.cost_usd) * 1e6) / 1e6,
    tokens: Number(r.tokens),
  };
}

/** The UTC days from `from` to `to` (exclusive), as YYYY-MM-DD. */
function daysOf(from: Date, to: Date): string[] {
  const days: string[] = [];
  const day = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate()));
  while (day.getTime() < to.getTime()) {
    days.push(day.toISOString().slice(0, 10));
    day.setUTCDate(day.getUTCDate() + 1);
  }
  return days;
}

/**
 * Over time: a tenant's tasks created in [from, to) per UTC day (throughput, outcomes, duration,
 * cost) and their subtasks per agent type. Durations run from start to end; usage is summed from
 * llm_calls, as everywhere.
 */
export class TrendRepository {
  constructor(private readonly db: Db) {}

  async report(tenantId: string, range: { from: Date; to: Date; networkId?: string }): Promise<TrendReport> {
    const params = [tenantId, range.from, range.to, range.networkId ?? null];
    const [days, types] = await Promise.all([
      this.db.query<Record<string, unknown>>(
        `SELECT day, count(*) AS tasks, ${OUTCOME_COLUMNS}
         FROM (
           SELECT to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, t.status,
                  extract(epoch FROM (t.completed_at - t.started_at)) * 1000 AS duration_ms, u.cost, u.tokens
           FROM tasks t
           LEFT JOIN LATERAL (SELECT sum(c.cost_usd) AS cost, sum(c.input_tokens + c.output_tokens) AS tokens FROM llm_calls c WHERE c.task_id = t.id) u ON true
           WHERE t.tenant_id = $1 AND t.created_at >= $2 AND t.created_at < $3 AND ($4::uuid IS NULL OR t.network_id = $4)
         ) d
         GROUP BY day ORDER BY day`,
        params,
      ),
      this.db.query<Record<string, unknown>>(
        `SELECT agent_type, count(*) AS subtasks, ${OUTCOME_COLUMNS}
         FROM (
           SELECT s.agent_type, s.status, extract(epoch FROM (s.finished_at - s.started_at)) * 1000 AS duration_ms, u.cost, u.tokens
           FROM subtasks s
           JOIN tasks t ON t.id = s.task_id
           LEFT JOIN LATERAL (SELECT sum(c.cost_usd) AS cost, sum(c.input_tokens + c.output_tokens) AS tokens FROM llm_calls c WHERE c.subtask_id = s.id) u ON true
           WHERE t.tenant_id = $1 AND t.created_at >= $2 AND t.created_at < $3 AND ($4::uuid IS NULL OR t.network_id = $4)
         ) d
         GROUP BY agent_type ORDER BY agent_type`,
        params,
      ),
    ]);
    const byDay = new Map(days.rows.map((r) => [String(r.day), r]));
    const empty = { tasks: 0, completed: 0, failed: 0, timed_out: 0, cancelled: 0, ended: 0, avg_duration_ms: null, p95_duration_ms: null, cost_usd: 0, tokens: 0 };
    return {
      from: range.from.toISOString(),
      to: range.to.toISOString(),
      days: daysOf(range.from, range.to).map((day): TrendDay => {
        const r = byDay.get(day) ?? empty;
        return { day, tasks: Number(r.tasks), ...outcomes(r) };
      }),
      agent_types: types.rows.map((r): TrendAgentType => ({ agent_type: String(r.agent_type), subtasks: Number(r.subtasks), ...outcomes(r) })),
    };
  }
}
