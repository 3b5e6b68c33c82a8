import { budgetLevel } from '@mesh/client';
import type { Budget } from '@mesh/core';
import { formatCost, formatCount, formatShare } from '../lib/format';

const PERIOD_NAMES = { day: 'Daily', month: 'Monthly' } as const;

/**
 * One budget: whose, per what, and how much of it the current period has used, as a bar that turns
 * the warning colour from 80 % and the full colour at 100 % (new tasks are refused then).
 */
export function BudgetMeter({ budget, networkName }: { budget: Budget; networkName: string | undefined }) {
  const level = budgetLevel(budget.used_ratio);
  const scope = budget.network_id === null ? 'The whole tenant' : `Network ${networkName ?? budget.network_id}`;
  const since = budget.period_start.slice(0, budget.period === 'day' ? 10 : 7);
  const share = formatShare(budget.used_ratio);
  return (
    <div className={`budget budget-${level}`} data-testid="budget" data-budget-id={budget.id} data-level={level} data-ratio={budget.used_ratio}>
      <div className="budget-head">
        <strong>{scope}</strong>
        <span className="muted">
          {PERIOD_NAMES[budget.period]} budget, since {since} (UTC)
        </span>
        <span className="badge" title={budget.source === 'config' ? 'Set in MESH_BUDGETS' : 'Set by an operator through the API'}>
          {budget.source}
        </span>
      </div>
      <div className="meter" role="progressbar" aria-label={`${scope}: ${share} used`} aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.min(100, Math.floor(budget.used_ratio * 100))}>
        <div className={`meter-fill meter-${level}`} style={{ width: `${Math.min(1, budget.used_ratio) * 100}%` }} />
      </div>
      <div className="budget-numbers small">
        <span data-testid="budget-share">{share} used</span>
        {budget.max_tokens !== null && (
          <span data-testid="budget-tokens">
            {formatCount(budget.used_tokens)} of {formatCount(budget.max_tokens)} tokens
          </span>
        )}
        {budget.max_cost_usd !== null && (
          <span data-testid="budget-cost">
            {formatCost(budget.used_cost_usd)} of {formatCost(budget.max_cost_usd)}
          </span>
        )}
      </div>
      {level === 'exhausted' && (
        <p className="small budget-note">
          Used up: new tasks {budget.network_id === null ? 'of the tenant' : 'of this network'} are refused, and running ones stop before their next model
          call, until the next UTC {budget.period}.
        </p>
      )}
      {level === 'warning' && <p className="small budget-note">Nearly used up: at 100 % new tasks are refused and running ones stop.</p>}
    </div>
  );
}
