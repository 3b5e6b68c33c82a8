import type { StatRow, StatsAgentType, StatsModel, StatsTotals, TrackRecord } from '@mesh/core';
import type { Db } from './db';

/** When a subtask counts in a window: when it finished, or, not finished, when it was created. */
const SUBTASK_TIME = 'coalesce(s.finished_at, s.created_at)';
/** Subtasks that ran to an end of their own (not cut short by their task, not skipped). */
const RAN = `s.status IN ('completed', 'failed')`;
const DURATION_MS = 'extract(epoch FROM (s.finished_at - s.started_at)) * 1000';

/**
 * How the rows of one report are grouped: the group's key for a subtask, for a model call (which
 * may join its subtask as `s`) and for a rating (which may join its subtask as `s`). A key that is
 * null leaves the row out of every group.
 */
interface Grouping {
  subtask: string;
  call: string;
  callJoin: string;
  rating: string;
  ratingJoin: string;
}

const BY_AGENT_TYPE: Grouping = {
  subtask: 's.agent_type',
  // A call of no subtask is the coordinator's (planning, synthesis).
  call: `coalesce(s.agent_type, 'coordinator')`,
  callJoin: 'LEFT JOIN subtasks s ON s.id = c.subtask_id',
  rating: 'f.agent_type',
  ratingJoin: '',
};

const BY_MODEL: Grouping = {
  // A subtask names the model that answered it as `provider:model`; a call's row has the two apart.
  subtask: 's.model',
  call: `c.provider || ':' || c.model`,
  callJoin: '',
  // A rating of a whole task names no model; one of a subtask, the model that answered it.
  rating: 's.model',
  ratingJoin: 'LEFT JOIN subtasks s ON s.id = f.subtask_id',
};

const OVERALL: Grouping = { subtask: `'all'`, call: `'all'`, callJoin: '', rating: `'all'`, ratingJoin: '' };

/** $1 tenant, $2 network, [$3, $4) the window. */
function groupedStatsSql(g: Grouping): string {
  return `
    WITH sub AS (
      SELECT ${g.subtask} AS key, count(*) AS subtasks,
             count(*) FILTER (WHERE s.status = 'completed') AS completed,
             count(*) FILTER (WHERE s.status = 'failed') AS failed,
             avg(s.confidence::numeric) FILTER (WHERE s.status = 'completed') AS mean_confidence,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY ${DURATION_MS}) FILTER (WHERE ${RAN}) AS p50_duration_ms,
             percentile_cont(0.95) WITHIN GROUP (ORDER BY ${DURATION_MS}) FILTER (WHERE ${RAN}) AS p95_duration_ms
      FROM subtasks s
      WHERE s.tenant_id = $1 AND s.network_id = $2 AND ${SUBTASK_TIME} >= $3 AND ${SUBTASK_TIME} < $4
      GROUP BY 1
    ), calls AS (
      SELECT ${g.call} AS key, sum(c.input_tokens) AS input_tokens, sum(c.output_tokens) AS output_tokens, sum(c.cost_usd) AS cost_usd
      FROM llm_calls c ${g.callJoin}
      WHERE c.tenant_id = $1 AND c.network_id = $2 AND c.created_at >= $3 AND c.created_at < $4
      GROUP BY 1
    ), rated AS (
      SELECT ${g.rating} AS key, avg(f.rating) AS mean_rating, count(*) AS ratings
      FROM feedback f ${g.ratingJoin}
      WHERE f.tenant_id = $1 AND f.network_id = $2 AND f.created_at >= $3 AND f.created_at < $4
      GROUP BY 1
    )
    SELECT k.key, sub.subtasks, sub.completed, sub.failed, sub.mean_confidence, sub.p50_duration_ms, sub.p95_duration_ms,
           calls.input_tokens, calls.output_tokens, calls.cost_usd, rated.mean_rating, rated.ratings
    FROM (SELECT key FROM sub UNION SELECT key FROM calls UNION SELECT key FROM rated) k
    LEFT JOIN sub ON sub.key = k.key
    LEFT JOIN calls ON calls.key = k.key
    LEFT JOIN rated ON rated.key = k.key
    WHERE k.key IS NOT NULL
    ORDER BY k.key`;
}

const count = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));
const ms = (v: unknown) => (v === null || v === undefined ? null : Math.round(Number(v)));
/** Means to 6 decimals: confidences are stored as `real`, whose digits past that are noise. */
const mean = (v: unknown) => (v === null || v === undefined ? null : Math.round(Number(v) * 1e6) / 1e6);

function statRow(r: Record<string, unknown>): StatRow {
  return {
    subtasks: count(r.subtasks),
    completed: count(r.completed),
    failed: count(r.failed),
    mean_confidence: mean(r.mean_confidence),
    mean_rating: mean(r.mean_rating),
    ratings: count(r.ratings),
    p50_duration_ms: ms(r.p50_duration_ms),
    p95_duration_ms: ms(r.p95_duration_ms),
    input_tokens: count(r.input_tokens),
    output_tokens: count(r.output_tokens),
    cost_usd: Math.round(count(r.cost_usd) * 1e6) / 1e6,
  };
}

const EMPTY_ROW = statRow({});

export interface NetworkStats {
  totals: StatsTotals;
  agent_types: StatsAgentType[];
  models: StatsModel[];
}

/**
 * One network's stats over a window (GET /networks/{id}/stats): subtasks per agent type and per
 * model (`subtasks.model`), their outcomes, confidence and durations; model usage from llm_calls
 * made in the window; people's ratings from `feedback` given in it. And the specialists' track
 * records the coordinator plans with.
 */
export class StatsRepository {
  constructor(private readonly db: Db) {}

  async network(tenantId: string, networkId: string, range: { from: Date; to: Date }): Promise<NetworkStats> {
    const params = [tenantId, networkId, range.from, range.to];
    const [types, models, overall, tasks] = await Promise.all([
      this.db.query<Record<string, unknown>>(groupedStatsSql(BY_AGENT_TYPE), params),
      this.db.query<Record<string, unknown>>(groupedStatsSql(BY_MODEL), params),
      this.db.query<Record<string, unknown>>(groupedStatsSql(OVERALL), params),
      this.db.query<{ tasks: string }>(
        'SELECT count(*) AS tasks FROM tasks WHERE tenant_id = $1 AND network_id = $2 AND created_at >= $3 AND created_at < $4',
        params,
      ),
    ]);
    const totals = overall.rows[0] ? statRow(overall.rows[0]) : EMPTY_ROW;
    return {
      totals: { ...totals, tasks: count(tasks.rows[0]?.tasks) },
      agent_types: types.rows.map((r) => ({ agent_type: String(r.key), ...statRow(r) })),
      models: models.rows.map((r) => ({ model: String(r.key), ...statRow(r) })),
    };
  }

  /**
   * Each agent type's track record since `since`, in one statement: subtasks that completed or
   * failed in that time, the share that completed, the median duration, and people's mean rating.
   * A type without such subtasks has no entry.
   */
  async trackRecords(tenantId: string, networkId: string, since: Date): Promise<Map<string, TrackRecord>> {
    const { rows } = await this.db.query<Record<string, unknown>>(
      `WITH ran AS (
         SELECT s.agent_type, count(*) AS subtasks, count(*) FILTER (WHERE s.status = 'completed') AS completed,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY ${DURATION_MS}) AS typical_duration_ms
         FROM subtasks s
         WHERE s.tenant_id = $1 AND s.network_id = $2 AND ${SUBTASK_TIME} >= $3 AND ${RAN}
         GROUP BY s.agent_type
       ), rated AS (
         SELECT f.agent_type, avg(f.rating) AS mean_rating
         FROM feedback f
         WHERE f.tenant_id = $1 AND f.network_id = $2 AND f.created_at >= $3
         GROUP BY f.agent_type
       )
       SELECT ran.*, rated.mean_rating FROM ran LEFT JOIN rated ON rated.agent_type = ran.agent_type`,
      [tenantId, networkId, since],
    );
    return new Map(
      rows.map((r) => [
        String(r.agent_type),
        {
          subtasks: count(r.subtasks),
          success_rate: Math.round((count(r.completed) / count(r.subtasks)) * 1e4) / 1e4,
          mean_rating: r.mean_rating === null || r.mean_rating === undefined ? null : Math.round(Number(r.mean_rating) * 100) / 100,
          typical_duration_ms: ms(r.typical_duration_ms),
        },
      ]),
    );
  }
}
