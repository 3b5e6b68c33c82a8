import type { BUDGET_WARNING_RATIO as CORE_WARNING_RATIO, BudgetPeriod, UsageGroup } from '@mesh/core';

/*
 * The budget contract's values for clients that do not load zod (the CLI checks options with them,
 * the console fills its selectors and colours its meters). @mesh/core's budget.ts holds the zod
 * schemas they mirror; the types below fail to compile when a value is added there and not here.
 */

/** `list` as written, and a type error unless it names every value of `T`. */
const every =
  <T extends string>() =>
  <const L extends readonly T[]>(list: L & ([Exclude<T, L[number]>] extends [never] ? unknown : { missing: Exclude<T, L[number]> })): L =>
    list;

/** How `GET /usage` groups its rows. */
export const USAGE_GROUPS = every<UsageGroup>()(['network', 'agent_type', 'model', 'day']);

/** What a budget is counted over (UTC). */
export const BUDGET_PERIODS = every<BudgetPeriod>()(['day', 'month']);

/** At this share of a budget the API tells `budget.warning`; typed as core's, so the two cannot differ. */
export const BUDGET_WARNING_RATIO: typeof CORE_WARNING_RATIO = 0.8;

/** `ok` below the warning share, `warning` from it, `exhausted` at the whole budget (new tasks get 402). */
export type BudgetLevel = 'ok' | 'warning' | 'exhausted';

export function budgetLevel(usedRatio: number): BudgetLevel {
  if (usedRatio >= 1) return 'exhausted';
  return usedRatio >= BUDGET_WARNING_RATIO ? 'warning' : 'ok';
}

/** Whether a task's error says a budget stopped it (as core's budgetExhaustedMessage begins). */
export function isBudgetExhaustedMessage(text: string | null | undefined): boolean {
  return typeof text === 'string' && text.startsWith('Budget exhausted:');
}
