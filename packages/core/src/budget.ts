import { z } from 'zod';
import { BUDGET_PERIODS, USAGE_GROUPS } from './statuses';

// The lists live in ./statuses (no zod), so that @mesh/client shares them.
export { BUDGET_PERIODS, BUDGET_WARNING_RATIO, USAGE_GROUPS } from './statuses';

/*
 * Budgets: tokens and cost a tenant (or one of its networks) may spend per UTC day or month, and
 * the usage report they are measured against (the same llm_calls rows).
 */

export const BudgetPeriod = z.enum(BUDGET_PERIODS);
export type BudgetPeriod = z.infer<typeof BudgetPeriod>;


/** A tenant id as API keys name them. */
const TenantId = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be a tenant id: 1-64 letters, digits, _ . or -');

/** `PUT /admin/budgets`: one budget per tenant, network (or none: the whole tenant) and period. */
export const PutBudgetBody = z
  .strictObject({
    tenant_id: TenantId,
    network_id: z.uuid().nullable().default(null),
    period: BudgetPeriod,
    max_tokens: z.number().int().positive().max(1e15).nullable().default(null),
    max_cost_usd: z.number().positive().max(1e9).nullable().default(null),
  })
  .refine((b) => b.max_tokens !== null || b.max_cost_usd !== null, { message: 'set max_tokens, max_cost_usd or both', path: ['max_tokens'] });
export type PutBudgetBody = z.infer<typeof PutBudgetBody>;

export const Budget = z.object({
  id: z.uuid(),
  budget_id: z.uuid(),
  tenant_id: z.string(),
  network_id: z.uuid().nullable(),
  period: BudgetPeriod,
  max_tokens: z.int().nullable(),
  max_cost_usd: z.number().nullable(),
  /** Where it was set: an operator's MESH_BUDGETS (`config`) or the admin route (`api`). */
  source: z.enum(['config', 'api']),
  /** What the current period has used so far. */
  period_start: z.string(),
  used_tokens: z.int(),
  used_cost_usd: z.number(),
  /** The larger of the token and cost shares used (1 = exhausted). */
  used_ratio: z.number(),
});
export type Budget = z.infer<typeof Budget>;

export const BudgetList = z.object({ budgets: z.array(Budget) });
export type BudgetList = z.infer<typeof BudgetList>;

export const AdminBudgetQuery = z.strictObject({ tenant_id: TenantId.optional() });

export const UsageGroup = z.enum(USAGE_GROUPS);
export type UsageGroup = z.infer<typeof UsageGroup>;

const Instant = z.iso.datetime({ offset: true }).refine((v) => {
  const year = new Date(v).getUTCFullYear();
  return year >= 1970 && year <= 9999;
}, 'must be between the years 1970 and 9999 (UTC)');

/** `GET /usage`: the tenant's own model usage in [from, to), grouped. Default: this UTC month so far. */
export const UsageQuery = z
  .strictObject({
    from: Instant.optional(),
    to: Instant.optional(),
    group_by: UsageGroup.default('day'),
    network_id: z.uuid().optional(),
  })
  .refine((q) => !q.from || !q.to || new Date(q.from).getTime() < new Date(q.to).getTime(), { message: 'from must be before to', path: ['from'] });
export type UsageQuery = z.infer<typeof UsageQuery>;

export const UsageRow = z.object({
  /** The network id, agent type (`coordinator` for planning and synthesis), `provider:model`, or the UTC day (YYYY-MM-DD). */
  key: z.string(),
  input_tokens: z.int(),
  output_tokens: z.int(),
  tokens: z.int(),
  cost_usd: z.number(),
  llm_calls: z.int(),
});
export type UsageRow = z.infer<typeof UsageRow>;

export const UsageReport = z.object({
  from: z.string(),
  to: z.string(),
  group_by: UsageGroup,
  rows: z.array(UsageRow),
  total: UsageRow.omit({ key: true }),
});
export type UsageReport = z.infer<typeof UsageReport>;

/** What is said when a budget is used up: whose, which period, how much of what. */
export function budgetExhaustedMessage(budget: Pick<Budget, 'network_id' | 'period' | 'max_tokens' | 'max_cost_usd' | 'used_tokens' | 'used_cost_usd'>): string {
  const scope = budget.network_id ? `the network's` : `the tenant's`;
  const used = [
    budget.max_tokens !== null ? `${budget.used_tokens} of ${budget.max_tokens} tokens` : null,
    budget.max_cost_usd !== null ? `$${budget.used_cost_usd.toFixed(4)} of $${budget.max_cost_usd}` : null,
  ].filter(Boolean);
  return `Budget exhausted: ${scope} ${budget.period === 'day' ? 'daily' : 'monthly'} budget is used up (${used.join(', ')}; it renews at the start of the next UTC ${budget.period})`;
}

/** The first of `budgets` that is used up, if any. */
export function exhaustedBudget<B extends Pick<Budget, 'used_ratio'>>(budgets: readonly B[]): B | undefined {
  return budgets.find((b) => b.used_ratio >= 1);
}

/** `PUT /admin/weights`: a tenant's weight in fair scheduling (its share of the fleet relative to others; default 1). */
export const PutWeightBody = z.strictObject({ tenant_id: TenantId, weight: z.number().positive().max(1000).nullable() });
export type PutWeightBody = z.infer<typeof PutWeightBody>;

export const WeightList = z.object({ weights: z.record(z.string(), z.number()) });
