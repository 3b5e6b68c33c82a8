import { BUDGET_WARNING_RATIO } from '@mesh/core/statuses';

/*
 * How clients that do not load zod read a budget (the console colours its meters, the CLI its
 * rows); the budget values themselves come from @mesh/core/statuses, as the statuses do.
 */

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
