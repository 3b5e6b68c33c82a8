import { BUDGET_WARNING_RATIO, BudgetExhaustedError, budgetExhaustedMessage, exhaustedBudget, type Budget } from '@mesh/core';
import type { Logger, MeshMetrics } from '@mesh/observability';
import type { TaskEvents } from '@mesh/queue';
import type { Store } from '@mesh/store';
import { BudgetReader } from '@mesh/tasks';
import type { ModelClient } from '../model-client';

/**
 * Budgets checked before every model call, from the same llm_calls rows the usage report sums:
 * a call whose tenant or network has used up a budget for its period is not made
 * (BudgetExhaustedError), and the first call past BUDGET_WARNING_RATIO tells `budget.warning`
 * once per budget and period. Usage is read at most once per MESH_BUDGET_CHECK_MAX_AGE_MS (1 s)
 * per network, so a burst may overshoot by what that much time of calls spends; tenants without
 * budgets cost one cached read.
 */
export class BudgetGuard {
  private readonly warned = new Set<string>();
  private readonly budgets: BudgetReader;

  constructor(
    private readonly deps: { store: Store; events: TaskEvents; logger: Logger; metrics?: MeshMetrics },
    options: { maxAgeMs?: number } = {},
  ) {
    this.budgets = new BudgetReader(deps.store, options.maxAgeMs);
  }

  async check(scope: { tenantId: string; networkId: string | null; taskId: string | null }): Promise<void> {
    const budgets = await this.budgets.binding(scope.tenantId, scope.networkId);
    const exhausted = exhaustedBudget(budgets);
    if (exhausted) {
      this.deps.metrics?.budgetExhausted(scope.tenantId);
      throw new BudgetExhaustedError(`${budgetExhaustedMessage(exhausted)}: the task stopped before its next model call`, { budget_id: exhausted.id, period: exhausted.period });
    }
    for (const budget of budgets.filter((b) => b.used_ratio >= BUDGET_WARNING_RATIO)) await this.warn(budget, scope.taskId);
  }

  private async warn(budget: Budget, taskId: string | null): Promise<void> {
    const key = `${budget.id}:${budget.period_start}`;
    if (this.warned.has(key)) return;
    this.warned.add(key);
    if (!(await this.deps.store.budgets.markWarned(budget.id, budget.period_start))) return; // another process told it
    this.deps.logger.warn('budget warning', { tenant_id: budget.tenant_id, network_id: budget.network_id, period: budget.period, used_ratio: budget.used_ratio });
    if (taskId) {
      this.deps.events.publishQuietly({ type: 'budget.warning', task_id: taskId, budget_id: budget.id, network_id: budget.network_id, period: budget.period, used_ratio: budget.used_ratio, at: new Date().toISOString() });
    }
  }
}

/** The model client with every call checked against the budgets of its tenant and network first. */
export function budgetModelCalls(model: ModelClient, guard: BudgetGuard): ModelClient {
  return {
    async complete(request) {
      const context = request.context;
      if (context?.tenantId) await guard.check({ tenantId: context.tenantId, networkId: context.networkId ?? null, taskId: context.taskId ?? null });
      return model.complete(request);
    },
  };
}
