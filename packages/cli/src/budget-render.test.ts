import type { Budget, UsageReport } from '@mesh/core';
import { budgetsNote, budgetsTable, usageDetails } from './budget-render';
import { colourStyle, plainStyle, visibleLength } from './terminal-text';

const NET = '11111111-1111-4111-8111-111111111111';

const REPORT: UsageReport = {
  from: '2026-05-01T00:00:00.000Z',
  to: '2026-05-14T12:00:00.000Z',
  group_by: 'network',
  rows: [
    { key: NET, input_tokens: 1200, output_tokens: 340, tokens: 1540, cost_usd: 0.0123, llm_calls: 7 },
    { key: 'none', input_tokens: 5, output_tokens: 5, tokens: 10, cost_usd: 0, llm_calls: 1 },
  ],
  total: { input_tokens: 1205, output_tokens: 345, tokens: 1550, cost_usd: 0.0123, llm_calls: 8 },
};

const BUDGET: Budget = {
  id: '6f1c2f7e-0000-4000-8000-000000000001',
  budget_id: '6f1c2f7e-0000-4000-8000-000000000001',
  tenant_id: 'tenant-a',
  network_id: null,
  period: 'day',
  max_tokens: 1000,
  max_cost_usd: null,
  source: 'api',
  period_start: '2026-05-14T00:00:00.000Z',
  used_tokens: 850,
  used_cost_usd: 0.01,
  used_ratio: 0.85,
};

describe('usageDetails', () => {
  it('prints the range, one row per group with right-aligned amounts, and the totals', () => {
    expect(usageDetails(REPORT, plainStyle, { networkNames: new Map([[NET, 'Campaigns']]) }).split('\n')).toEqual([
      'usage 2026-05-01T00:00:00.000Z to 2026-05-14T12:00:00.000Z, by network',
      '',
      'NETWORK                               NAME          CALLS  INPUT  OUTPUT  TOKENS     COST',
      `${NET}  Campaigns         7   1200     340    1540  $0.0123`,
      'none                                  (no network)      1      5       5      10  $0.0000',
      'TOTAL                                                   8   1205     345    1550  $0.0123',
    ]);
  });

  it('names the grouping in the first column, and the network filtered on', () => {
    const byModel: UsageReport = { ...REPORT, group_by: 'model', rows: [{ ...REPORT.rows[0]!, key: 'anthropic:claude\x1b[2J-sonnet' }], total: { ...REPORT.total, llm_calls: 7 } };
    const lines = usageDetails(byModel, plainStyle, { networkId: NET, networkNames: new Map([[NET, 'Campaigns']]) }).split('\n');
    expect(lines[0]).toBe('usage 2026-05-01T00:00:00.000Z to 2026-05-14T12:00:00.000Z, by model, network Campaigns');
    expect(lines[2]).toMatch(/^MODEL\s+CALLS\s+INPUT\s+OUTPUT\s+TOKENS\s+COST$/);
    // Text from the API is stripped of control sequences.
    expect(lines[3]).toMatch(/^anthropic:claude-sonnet {2}/);
    expect(usageDetails({ ...REPORT, group_by: 'day', rows: [] }, plainStyle).split('\n').slice(1)).toEqual(['', 'No model calls in this range.']);
  });

  it('fits a terminal with short ids, cutting the names and not the amounts; totals in bold stay aligned', () => {
    const long = usageDetails(REPORT, colourStyle, { width: 60, networkNames: new Map([[NET, 'A network with a name far too long to fit anywhere']]) });
    const lines = long.split('\n').slice(2);
    for (const line of lines) expect(visibleLength(line)).toBeLessThanOrEqual(60);
    expect(lines[1]).toMatch(/^11111111 {2}A network\S* \S*…\s+7 {3}1200 {5}340 {4}1540 {2}\$0\.0123$/);
    expect(visibleLength(lines[3]!)).toBe(visibleLength(lines[1]!));
  });
});

describe('budgetsTable', () => {
  it('shows scope, period, used of each limit and the share, marked from 80 % and at 100 %', () => {
    const network: Budget = { ...BUDGET, id: 'b2', network_id: NET, period: 'month', period_start: '2026-05-01T00:00:00.000Z', max_tokens: null, max_cost_usd: 5, used_ratio: 1.02, source: 'config' };
    const low: Budget = { ...BUDGET, id: 'b3', network_id: '22222222-2222-4222-8222-222222222222', used_ratio: 0.125 };
    const lines = budgetsTable([BUDGET, network, low], plainStyle, { networkNames: new Map([[NET, 'Campaigns']]) }).split('\n');
    expect(lines[0]).toMatch(/^ID\s+SCOPE\s+PERIOD\s+TOKENS\s+COST\s+USED\s+SOURCE$/);
    expect(lines[1]).toMatch(new RegExp(`^${BUDGET.id}\\s+tenant\\s+day 2026-05-14\\s+850 / 1000\\s+\\$0\\.0100 / no limit\\s+85% warning\\s+api$`));
    expect(lines[2]).toMatch(/^b2\s+network Campaigns\s+month 2026-05\s+850 \/ no limit\s+\$0\.0100 \/ \$5\s+102% exhausted\s+config$/);
    // Not one of the caller's networks (an operator's view): its id.
    expect(lines[3]).toMatch(/^b3\s+network 22222222-2222-4222-8222-222222222222\s+day 2026-05-14\s+.*\s12%\s+api$/);
    expect(budgetsNote([BUDGET, low])).toEqual([]);
    expect(budgetsNote([network])).toEqual([expect.stringContaining('402 budget_exhausted')]);
  });

  it('shows short ids in a terminal', () => {
    const lines = budgetsTable([{ ...BUDGET, network_id: NET }], plainStyle, { width: 100 }).split('\n');
    expect(lines[1]).toMatch(/^6f1c2f7e {2}network 11111111 {2}day/);
  });

  it('adds the tenant for an operator, and never rounds a share up to 100 %', () => {
    const lines = budgetsTable([{ ...BUDGET, used_ratio: 0.9999 }], plainStyle, { withTenant: true }).split('\n');
    expect(lines[0]).toMatch(/^ID\s+TENANT\s+SCOPE\s+PERIOD/);
    expect(lines[1]).toMatch(/\s+tenant-a\s+tenant\s+.*\s99% warning\s+api$/);
  });
});
