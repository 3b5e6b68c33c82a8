import type { Budget } from '@mesh/core';
import type { Store } from '@mesh/store';

interface Cached<T> {
  at: number;
  value: Promise<T>;
}

/**
 * The budgets that bind a network's work (the tenant's and the network's own), with what their
 * periods have used, read at most once per `maxAgeMs` per network and process. Most tenants have
 * no budget: for them the only read is the cached list of tenants that do. Shared by the engine
 * (checked before every model call) and the API (checked before a task starts).
 */
export class BudgetReader {
  private tenants: Cached<Set<string>> | undefined;
  private readonly usage = new Map<string, Cached<Budget[]>>();

  constructor(
    private readonly store: Pick<Store, 'budgets'>,
    private readonly maxAgeMs = 1_000,
  ) {}

  async binding(tenantId: string, networkId: string | null): Promise<Budget[]> {
    if (!(await this.tenantsWithBudgets()).has(tenantId)) return [];
    const key = `${tenantId}:${networkId ?? ''}`;
    const cached = this.usage.get(key);
    if (cached && Date.now() - cached.at < this.maxAgeMs) return cached.value;
    const value = this.store.budgets.binding(tenantId, networkId);
    value.catch(() => this.usage.delete(key));
    if (this.usage.size > 10_000) this.usage.clear();
    this.usage.set(key, { at: Date.now(), value });
    return value;
  }

  private tenantsWithBudgets(): Promise<Set<string>> {
    if (!this.tenants || Date.now() - this.tenants.at >= this.maxAgeMs) {
      const value = this.store.budgets.tenantsWithBudgets();
      value.catch(() => (this.tenants = undefined));
      this.tenants = { at: Date.now(), value };
    }
    return this.tenants.value;
  }
}
