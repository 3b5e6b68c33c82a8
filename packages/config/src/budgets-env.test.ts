import { loadConfig } from './config';
import { parseBudgets } from './budgets-env';

describe('MESH_BUDGETS', () => {
  it('reads tenant and network budgets per day or month', () => {
    const network = '3f2a6c1e-0d4b-4e8a-9b1c-2d3e4f5a6b7c';
    expect(parseBudgets(`acme:day:tokens=2000000,cost=20; acme/${network}:month:cost=100.5`)).toEqual({
      budgets: [
        { tenantId: 'acme', networkId: null, period: 'day', maxTokens: 2_000_000, maxCostUsd: 20 },
        { tenantId: 'acme', networkId: network, period: 'month', maxTokens: null, maxCostUsd: 100.5 },
      ],
      problems: [],
    });
    expect(parseBudgets(undefined)).toEqual({ budgets: [], problems: [] });
  });

  it('names every entry that is not a positive limit of a known period', () => {
    const { budgets, problems } = parseBudgets('acme:week:tokens=1;acme:day:tokens=-5;acme:day:tokens=1.5;acme:day:cost=abc;acme:day;bad tenant!:day:cost=1;acme/xyz:day:cost=1;acme:day:calls=3');
    expect(budgets).toEqual([]);
    expect(problems.map((p) => p.message)).toEqual([
      '"acme:week:tokens=1": the period must be day or month',
      '"acme:day:tokens=-5": tokens must be a positive number',
      '"acme:day:tokens=1.5": tokens must be a whole number',
      '"acme:day:cost=abc": cost must be a positive number',
      '"acme:day": set tokens=<integer>, cost=<USD> or both',
      '"bad tenant!:day:cost=1": the tenant must be 1-64 letters, digits, _ . or -',
      '"acme/xyz:day:cost=1": the network must be a network id (a UUID)',
      '"acme:day:calls=3": unknown limit "calls" (tokens=<integer>, cost=<USD>)',
    ]);
    expect(() => loadConfig({ MESH_BUDGETS: 'acme:day:tokens=0' })).toThrow(/MESH_BUDGETS/);
  });
});
