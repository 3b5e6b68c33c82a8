type ConfigProblem = { variable: string; message: string };

/** A budget an operator sets in MESH_BUDGETS. */
export interface BudgetSetting {
  tenantId: string;
  networkId: string | null;
  period: 'day' | 'month';
  maxTokens: number | null;
  maxCostUsd: number | null;
}

const TENANT = /^[A-Za-z0-9_.-]{1,64}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * MESH_BUDGETS: `;`-separated entries `tenant[/network-id]:day|month:tokens=N[,cost=USD]`, e.g.
 * `acme:day:tokens=2000000,cost=20;acme/3f2a…:month:cost=100`. Every limit is a positive number.
 */
export function parseBudgets(value: string | undefined): { budgets: BudgetSetting[]; problems: ConfigProblem[] } {
  const budgets: BudgetSetting[] = [];
  const problems: ConfigProblem[] = [];
  const problem = (entry: string, message: string) => problems.push({ variable: 'MESH_BUDGETS', message: `"${entry}": ${message}` });
  for (const entry of (value ?? '').split(';').map((e) => e.trim()).filter(Boolean)) {
    const [scope = '', period = '', limits = ''] = entry.split(':');
    const [tenantId = '', networkId] = scope.split('/');
    if (!TENANT.test(tenantId)) {
      problem(entry, 'the tenant must be 1-64 letters, digits, _ . or -');
      continue;
    }
    if (networkId !== undefined && !UUID.test(networkId)) {
      problem(entry, 'the network must be a network id (a UUID)');
      continue;
    }
    if (period !== 'day' && period !== 'month') {
      problem(entry, 'the period must be day or month');
      continue;
    }
    let maxTokens: number | null = null;
    let maxCostUsd: number | null = null;
    let bad = false;
    for (const limit of limits.split(',').map((l) => l.trim()).filter(Boolean)) {
      const [name, raw = ''] = limit.split('=');
      const n = Number(raw);
      if (!(raw.trim() !== '' && Number.isFinite(n) && n > 0)) {
        problem(entry, `${name} must be a positive number`);
        bad = true;
      } else if (name === 'tokens' && !Number.isInteger(n)) {
        problem(entry, 'tokens must be a whole number');
        bad = true;
      } else if (name === 'tokens') maxTokens = n;
      else if (name === 'cost') maxCostUsd = n;
      else {
        problem(entry, `unknown limit "${name}" (tokens=<integer>, cost=<USD>)`);
        bad = true;
      }
    }
    if (bad) continue;
    if (maxTokens === null && maxCostUsd === null) {
      problem(entry, 'set tokens=<integer>, cost=<USD> or both');
      continue;
    }
    budgets.push({ tenantId, networkId: networkId ?? null, period, maxTokens, maxCostUsd });
  }
  return { budgets, problems };
}
