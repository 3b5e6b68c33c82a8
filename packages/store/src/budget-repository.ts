import { randomUUID } from 'node:crypto';
import { NotFoundError, type Budget, type BudgetPeriod, type PutBudgetBody, type UsageGroup, type UsageReport, type UsageRow } from '@mesh/core';
import type { Db } from './db';

interface BudgetRow {
  id: string;
  tenant_id: string;
  network_id: string | null;
  period: BudgetPeriod;
  max_tokens: string | null;
  max_cost_usd: string | null;
  source: 'config' | 'api';
  period_start: Date;
  used_tokens: string;
  used_cost_usd: string;
}

function toBudget(row: BudgetRow): Budget {
  const maxTokens = row.max_tokens === null ? null : Number(row.max_tokens);
  const maxCost = row.max_cost_usd === null ? null : Number(row.max_cost_usd);
  const usedTokens = Number(row.used_tokens);
  const usedCost = Number(row.used_cost_usd);
  const ratio = Math.max(maxTokens ? usedTokens / maxTokens : 0, maxCost ? usedCost / maxCost : 0);
  return {
    id: row.id,
    budget_id: row.id,
    tenant_id: row.tenant_id,
    network_id: row.network_id,
    period: row.period,
    max_tokens: maxTokens,
    max_cost_usd: maxCost,
    source: row.source,
    period_start: row.period_start.toISOString(),
    used_tokens: usedTokens,
    used_cost_usd: usedCost,
    used_ratio: Math.round(ratio * 10_000) / 10_000,
  };
}

/** Budgets with what their current period (UTC day or month) has used, summed from llm_calls. */
const WITH_USAGE = `
  SELECT b.id, b.tenant_id, b.network_id, b.period, b.max_tokens, b.max_cost_usd, b.source, p.start AS period_start, u.tokens AS used_tokens, u.cost AS used_cost_usd
  FROM budgets b
  CROSS JOIN LATERAL (SELECT date_trunc(b.period, now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS start) p
  CROSS JOIN LATERAL (
    SELECT coalesce(sum(c.input_tokens + c.output_tokens), 0) AS tokens, coalesce(sum(c.cost_usd), 0) AS cost
    FROM llm_calls c
    WHERE c.tenant_id = b.tenant_id AND c.created_at >= p.start AND (b.network_id IS NULL OR c.network_id = b.network_id)) u`;

/** One budget set in MESH_BUDGETS. */
export interface ConfiguredBudget {
  tenantId: string;
  networkId: string | null;
  period: BudgetPeriod;
  maxTokens: number | null;
  maxCostUsd: number | null;
}

/**
 * Token and cost budgets per tenant (and per network) per period, and the usage report. Usage is
 * read from llm_calls each time, never kept twice.
 */
export class BudgetRepository {
  constructor(private readonly db: Db) {}

  /** Sets the budget of a scope and period (replacing the one there was); the budget as it is now. */
  async put(body: PutBudgetBody): Promise<{ budget: Budget; created: boolean }> {
    const { rows } = await this.db.query<{ id: string; created: boolean }>(
      `INSERT INTO budgets (id, tenant_id, network_id, period, max_tokens, max_cost_usd, source)
       VALUES ($1, $2, $3, $4, $5, $6, 'api')
       ON CONFLICT (tenant_id, coalesce(network_id, '00000000-0000-0000-0000-000000000000'::uuid), period)
       DO UPDATE SET max_tokens = EXCLUDED.max_tokens, max_cost_usd = EXCLUDED.max_cost_usd, source = 'api', updated_at = now()
       RETURNING id, (xmax = 0) AS created`,
      [randomUUID(), body.tenant_id, body.network_id, body.period, body.max_tokens, body.max_cost_usd],
    );
    const id = rows[0]!.id;
    return { budget: (await this.get(id))!, created: rows[0]!.created };
  }

  async get(budgetId: string): Promise<Budget | null> {
    const { rows } = await this.db.query<BudgetRow>(`${WITH_USAGE} WHERE b.id = $1`, [budgetId]);
    return rows[0] ? toBudget(rows[0]) : null;
  }

  async delete(budgetId: string): Promise<void> {
    const { rowCount } = await this.db.query('DELETE FROM budgets WHERE id = $1', [budgetId]);
    if (!rowCount) throw new NotFoundError('Budget', budgetId);
  }

  /** Every budget (of one tenant, when given), with its usage. */
  async list(tenantId?: string): Promise<Budget[]> {
    const { rows } = await this.db.query<BudgetRow>(`${WITH_USAGE} WHERE ($1::text IS NULL OR b.tenant_id = $1) ORDER BY b.tenant_id, b.network_id NULLS FIRST, b.period`, [tenantId ?? null]);
    return rows.map(toBudget);
  }

  /** The budgets that bind a network's model calls: the tenant's own and the network's. */
  async binding(tenantId: string, networkId: string | null): Promise<Budget[]> {
    const { rows } = await this.db.query<BudgetRow>(`${WITH_USAGE} WHERE b.tenant_id = $1 AND (b.network_id IS NULL OR b.network_id = $2) ORDER BY b.network_id NULLS FIRST, b.period`, [
      tenantId,
      networkId,
    ]);
    return rows.map(toBudget);
  }

  /** True when the tenant has any budget: most have none, and then nothing is summed. */
  async tenantsWithBudgets(): Promise<Set<string>> {
    const { rows } = await this.db.query<{ tenant_id: string }>('SELECT DISTINCT tenant_id FROM budgets');
    return new Set(rows.map((r) => r.tenant_id));
  }

  /** Records that a budget's warning was told for its current period; true for the first caller only. */
  async markWarned(budgetId: string, periodStart: string): Promise<boolean> {
    const { rowCount } = await this.db.query('INSERT INTO budget_warnings (budget_id, period_start) VALUES ($1, $2) ON CONFLICT DO NOTHING', [budgetId, periodStart]);
    return Boolean(rowCount);
  }

  /** Makes the budgets from MESH_BUDGETS the `config` ones (those no longer configured go). */
  async syncConfigured(budgets: readonly ConfiguredBudget[]): Promise<void> {
    await this.db.transaction(async (tx) => {
      const kept: string[] = [];
      for (const b of budgets) {
        const { rows } = await tx.query<{ id: string }>(
          `INSERT INTO budgets (id, tenant_id, network_id, period, max_tokens, max_cost_usd, source)
           VALUES ($1, $2, $3, $4, $5, $6, 'config')
           ON CONFLICT (tenant_id, coalesce(network_id, '00000000-0000-0000-0000-000000000000'::uuid), period)
           DO UPDATE SET max_tokens = EXCLUDED.max_tokens, max_cost_usd = EXCLUDED.max_cost_usd, source = 'config', updated_at = now()
           RETURNING id`,
          [randomUUID(), b.tenantId, b.networkId, b.period, b.maxTokens, b.maxCostUsd],
        );
        kept.push(rows[0]!.id);
      }
      await tx.query(`DELETE FROM budgets WHERE source = 'config' AND NOT (id = ANY($1::uuid[]))`, [kept]);
    });
  }

  /** A tenant's model usage in [from, to), grouped; only the tenant's own calls are read. */
  async usage(tenantId: string, query: { from: Date; to: Date; groupBy: UsageGroup; networkId?: string }): Promise<UsageReport> {
    const key = {
      network: `coalesce(c.network_id::text, 'none')`,
      agent_type: `coalesce(s.agent_type, 'coordinator')`,
      model: `c.provider || ':' || c.model`,
      day: `to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')`,
    }[query.groupBy];
    const { rows } = await this.db.query<{ key: string; input_tokens: string; output_tokens: string; cost_usd: string; llm_calls: string }>(
      `SELECT ${key} AS key, sum(c.input_tokens) AS input_tokens, sum(c.output_tokens) AS output_tokens, sum(c.cost_usd) AS cost_usd, count(*) AS llm_calls
       FROM llm_calls c ${query.groupBy === 'agent_type' ? 'LEFT JOIN subtasks s ON s.id = c.subtask_id' : ''}
       WHERE c.tenant_id = $1 AND c.created_at >= $2 AND c.created_at < $3 AND ($4::uuid IS NULL OR c.network_id = $4)
       GROUP BY 1 ORDER BY 1`,
      [tenantId, query.from, query.to, query.networkId ?? null],
    );
    const usageRows: UsageRow[] = rows.map((r) => ({
      key: r.key,
      input_tokens: Number(r.input_tokens),
      output_tokens: Number(r.output_tokens),
      tokens: Number(r.input_tokens) + Number(r.output_tokens),
      cost_usd: Number(r.cost_usd),
      llm_calls: Number(r.llm_calls),
    }));
    const sum = (pick: (r: UsageRow) => number) => usageRows.reduce((a, r) => a + pick(r), 0);
    return {
      from: query.from.toISOString(),
      to: query.to.toISOString(),
      group_by: query.groupBy,
      rows: usageRows,
      total: {
        input_tokens: sum((r) => r.input_tokens),
        output_tokens: sum((r) => r.output_tokens),
        tokens: sum((r) => r.tokens),
        cost_usd: Math.round(sum((r) => r.cost_usd) * 1e6) / 1e6,
        llm_calls: sum((r) => r.llm_calls),
      },
    };
  }
}
