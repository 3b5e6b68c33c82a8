import { budgetExhaustedMessage, type Budget, type UsageReport } from '@mesh/core';
import { budgetLevel, isBudgetExhaustedMessage } from './budgets';
import { MeshApiError } from './errors';
import { MeshClient } from './mesh-client';

interface Sent {
  method: string;
  url: string;
  headers: Headers;
  body: unknown;
}

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/** A client whose fetch answers `answer` and records each request. */
function fakeClient(answer: () => Response) {
  const sent: Sent[] = [];
  const fetchImpl = (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    sent.push({ method: init?.method ?? 'GET', url: String(input), headers: new Headers(init?.headers), body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined });
    return answer();
  }) as typeof fetch;
  return { client: new MeshClient({ baseUrl: 'http://api.test/', apiKey: 'key-1', fetch: fetchImpl }), sent };
}

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

const REPORT: UsageReport = {
  from: '2026-05-01T00:00:00.000Z',
  to: '2026-05-14T12:00:00.000Z',
  group_by: 'model',
  rows: [{ key: 'simulated:simulated', input_tokens: 600, output_tokens: 250, tokens: 850, cost_usd: 0.01, llm_calls: 5 }],
  total: { input_tokens: 600, output_tokens: 250, tokens: 850, cost_usd: 0.01, llm_calls: 5 },
};

describe('MeshClient usage and budgets', () => {
  it('reads usage with only the query fields given, encoded', async () => {
    const { client, sent } = fakeClient(() => json(REPORT));
    expect(await client.usage({ from: '2026-05-01T00:00:00+02:00', group_by: 'model', network_id: undefined })).toEqual(REPORT);
    await client.usage();
    expect(sent.map((s) => [s.method, s.url])).toEqual([
      ['GET', 'http://api.test/api/mesh/usage?from=2026-05-01T00%3A00%3A00%2B02%3A00&group_by=model'],
      ['GET', 'http://api.test/api/mesh/usage'],
    ]);
    expect(sent[0]?.headers.get('authorization')).toBe('Bearer key-1');
  });

  it("reads the tenant's budgets, and an operator's view of one tenant or all", async () => {
    const { client, sent } = fakeClient(() => json({ budgets: [BUDGET] }));
    expect((await client.budgets()).budgets).toEqual([BUDGET]);
    await client.adminBudgets('tenant-b');
    await client.adminBudgets();
    expect(sent.map((s) => `${s.method} ${s.url}`)).toEqual([
      'GET http://api.test/api/mesh/budgets',
      'GET http://api.test/api/mesh/admin/budgets?tenant_id=tenant-b',
      'GET http://api.test/api/mesh/admin/budgets',
    ]);
  });

  it('sets a budget with PUT and a JSON body, and deletes one (204, no body)', async () => {
    const put = fakeClient(() => json(BUDGET, 201));
    expect(await put.client.putBudget({ tenant_id: 'tenant-a', period: 'day', max_tokens: 1000 })).toEqual(BUDGET);
    expect(put.sent).toEqual([
      expect.objectContaining({ method: 'PUT', url: 'http://api.test/api/mesh/admin/budgets', body: { tenant_id: 'tenant-a', period: 'day', max_tokens: 1000 } }),
    ]);
    expect(put.sent[0]?.headers.get('content-type')).toBe('application/json');

    const removed = fakeClient(() => new Response(null, { status: 204 }));
    await expect(removed.client.deleteBudget('a/b')).resolves.toBeUndefined();
    expect(removed.sent.map((s) => `${s.method} ${s.url}`)).toEqual(['DELETE http://api.test/api/mesh/admin/budgets/a%2Fb']);
  });

  it('throws the API errors as MeshApiError: 402 budget_exhausted with its details, 403 for a key that is no operator', async () => {
    const exhausted = fakeClient(() =>
      json({ error: { code: 'budget_exhausted', message: "Budget exhausted: the tenant's daily budget is used up", details: { budget_id: BUDGET.id, period: 'day' } } }, 402),
    );
    const err = await exhausted.client.submitTask('n1', { task: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MeshApiError);
    expect(err).toMatchObject({ status: 402, code: 'budget_exhausted', details: { budget_id: BUDGET.id, period: 'day' } });
    expect((err as Error).message).toMatch(/^Budget exhausted: /);

    const forbidden = fakeClient(() => json({ error: { code: 'forbidden', message: 'This API key may not set budgets (MESH_ADMIN_TENANTS)' } }, 403));
    await expect(forbidden.client.putBudget({ tenant_id: 'tenant-b', period: 'month', max_cost_usd: 5 })).rejects.toMatchObject({ status: 403, code: 'forbidden' });
  });
});

describe('the budget values', () => {
  it('level a budget by its used share: warning from 80 %, exhausted from 100 %', () => {
    expect([0, 0.79, 0.8, 0.99, 1, 1.4].map(budgetLevel)).toEqual(['ok', 'ok', 'warning', 'warning', 'exhausted', 'exhausted']);
  });

  it("tell a task's error that a budget stopped it from other errors", () => {
    expect(isBudgetExhaustedMessage(`${budgetExhaustedMessage(BUDGET)}: the task stopped before its next model call`)).toBe(true);
    expect(isBudgetExhaustedMessage(budgetExhaustedMessage({ ...BUDGET, network_id: null, max_cost_usd: 5 }))).toBe(true);
    expect(isBudgetExhaustedMessage('Task timed out after 300 s')).toBe(false);
    expect(isBudgetExhaustedMessage(null)).toBe(false);
  });
});
