import type { Budget, UsageReport } from '@mesh/core';
import { json, meshAgainst as mesh } from './__tests__/fake-api';

/**
 * `mesh usage` and `mesh budgets` through runCli against a fake fetch: what each command asks the
 * API, how it words the answer, and the usage errors it finds before asking. (mesh-cli.test.ts runs
 * them against the real API.)
 */

const NET = '11111111-1111-4111-8111-111111111111';
const BUDGET: Budget = {
  id: '6f1c2f7e-0000-4000-8000-000000000001',
  budget_id: '6f1c2f7e-0000-4000-8000-000000000001',
  tenant_id: 'tenant-a',
  network_id: NET,
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
const NETWORKS = { networks: [{ id: NET, name: 'Campaigns' }], total: 1, limit: 200, offset: 0 };


describe('mesh usage', () => {
  it('asks for the range, grouping and network given (a date is its UTC midnight) and prints the table with totals', async () => {
    const run = await mesh(['usage', '--from', '2026-05-01', '--to', '2026-05-14T12:00:00Z', '--group-by', 'model', '--network', 'Campaigns'], {
      'GET /networks': () => json(NETWORKS),
      'GET /usage': () => json(REPORT),
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.sent.map((s) => s.request)).toEqual([
      'GET /networks?limit=200',
      `GET /usage?from=2026-05-01T00%3A00%3A00Z&to=2026-05-14T12%3A00%3A00Z&group_by=model&network_id=${NET}`,
      'GET /networks?limit=200&offset=0',
    ]);
    expect(run.stdout.split('\n')).toEqual([
      'usage 2026-05-01T00:00:00.000Z to 2026-05-14T12:00:00.000Z, by model, network Campaigns',
      '',
      'MODEL                CALLS  INPUT  OUTPUT  TOKENS     COST',
      'simulated:simulated      5    600     250     850  $0.0100',
      'TOTAL                    5    600     250     850  $0.0100',
      '',
    ]);
  });

  it('asks with no query by default; --json prints the report as the API sent it', async () => {
    const run = await mesh(['usage', '--json'], { 'GET /usage': () => json(REPORT) });
    expect(run.sent.map((s) => s.request)).toEqual(['GET /usage']);
    expect(JSON.parse(run.stdout)).toEqual(REPORT);
  });

  it.each([
    [['usage', '--group-by', 'tenant'], '--group-by takes network, agent_type, model, day (got "tenant")'],
    [['usage', '--from', 'last week'], '--from takes an ISO time'],
    [['usage', 'model'], 'unexpected argument "model"'],
  ])('exits 2 before asking the API: `mesh %s`', async (args, message) => {
    const run = await mesh(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stderr).toContain('Usage: mesh usage');
    expect(run.sent).toEqual([]);
  });
});

describe('mesh budgets', () => {
  it("lists the tenant's budgets with the names of its networks; --all and --tenant use the operators' route", async () => {
    const routes = { 'GET /budgets': () => json({ budgets: [BUDGET] }), 'GET /admin/budgets': () => json({ budgets: [BUDGET] }), 'GET /networks': () => json(NETWORKS) };
    const own = await mesh(['budgets'], routes);
    expect(own.code).toBe(0);
    expect(own.stdout).toMatch(new RegExp(`^ID\\s+SCOPE\\s+PERIOD\\s+TOKENS\\s+COST\\s+USED\\s+SOURCE\n${BUDGET.id}\\s+network Campaigns\\s+day 2026-05-14\\s+850 / 1000\\s+\\$0\\.0100 / no limit\\s+85% warning\\s+api\n$`));
    expect((await mesh(['budgets', '--all'], routes)).stdout).toMatch(/^ID\s+TENANT\s+SCOPE/);
    expect((await mesh(['budgets', '--tenant', 'tenant-b'], routes)).sent[0]?.request).toBe('GET /admin/budgets?tenant_id=tenant-b');
    expect((await mesh(['budgets'], { 'GET /budgets': () => json({ budgets: [] }) })).stdout).toBe("No budgets: your tenant's model use is not limited.\n");
  });

  it('sets a budget (PUT with only the limits given) and deletes one', async () => {
    const set = await mesh(['budgets', 'set', '--tenant', 'tenant-a', '--network', NET, '--period', 'day', '--tokens', '1000'], {
      'PUT /admin/budgets': () => json(BUDGET, 201),
      'GET /networks': () => json(NETWORKS),
    });
    expect(set.stderr).toBe('');
    expect(set.sent[0]).toEqual({ request: 'PUT /admin/budgets', body: { tenant_id: 'tenant-a', period: 'day', network_id: NET, max_tokens: 1000 } });
    expect(set.stdout).toMatch(new RegExp(`^Set budget ${BUDGET.id}\n\nID\\s+TENANT\\s+SCOPE.*\n${BUDGET.id}\\s+tenant-a\\s+network Campaigns\\s+day`));
    const cost = await mesh(['budgets', 'set', '--tenant', 'tenant-b', '--period', 'month', '--cost', '2.5', '--json'], { 'PUT /admin/budgets': () => json(BUDGET) });
    expect(cost.sent[0]?.body).toEqual({ tenant_id: 'tenant-b', period: 'month', max_cost_usd: 2.5 });

    const deleted = await mesh(['budgets', 'delete', BUDGET.id], { [`DELETE /admin/budgets/${BUDGET.id}`]: () => new Response(null, { status: 204 }) });
    expect(deleted).toMatchObject({ code: 0, stdout: `Deleted budget ${BUDGET.id}\n` });
    expect(deleted.sent.map((s) => s.request)).toEqual([`DELETE /admin/budgets/${BUDGET.id}`]);
  });

  it('deletes a budget by the start of its id (as a terminal shows it), found among every budget', async () => {
    const other = { ...BUDGET, id: '6f1c9999-0000-4000-8000-000000000002' };
    const routes = { 'GET /admin/budgets': () => json({ budgets: [BUDGET, other] }), [`DELETE /admin/budgets/${BUDGET.id}`]: () => new Response(null, { status: 204 }) };
    const deleted = await mesh(['budgets', 'delete', '6F1C2F7E'], routes);
    expect(deleted).toMatchObject({ code: 0, stdout: `Deleted budget ${BUDGET.id}\n` });
    expect(deleted.sent.map((s) => s.request)).toEqual(['GET /admin/budgets', `DELETE /admin/budgets/${BUDGET.id}`]);
    const ambiguous = await mesh(['budgets', 'delete', '6f1c'], routes);
    expect(ambiguous.code).toBe(1);
    expect(ambiguous.stderr).toContain(`2 budgets start with 6f1c: use more of the id (${BUDGET.id}, ${other.id}) (HTTP 409 ambiguous)`);
    expect((await mesh(['budgets', 'delete', 'abcd1234'], routes)).stderr).toBe('Error: No budget starting with abcd1234 (HTTP 404 not_found)\n');
    expect((await mesh(['budgets', 'delete', 'nope'], routes)).sent).toEqual([]);
  });

  it("prints the API's 403 for a key that is no operator's, exit 1", async () => {
    const run = await mesh(['budgets', 'delete', BUDGET.id], {
      [`DELETE /admin/budgets/${BUDGET.id}`]: () => json({ error: { code: 'forbidden', message: 'This API key may not set budgets (MESH_ADMIN_TENANTS)' } }, 403),
    });
    expect(run).toMatchObject({ code: 1, stderr: 'Error: This API key may not set budgets (MESH_ADMIN_TENANTS) (HTTP 403 forbidden)\n' });
  });

  it.each([
    [['budgets', 'set', '--period', 'day', '--tokens', '10'], '--tenant is required'],
    [['budgets', 'set', '--tenant', 't', '--tokens', '10'], '--period is required'],
    [['budgets', 'set', '--tenant', 't', '--period', 'week', '--tokens', '10'], '--period takes day, month (got "week")'],
    [['budgets', 'set', '--tenant', 't', '--period', 'day'], 'give --tokens, --cost or both'],
    [['budgets', 'set', '--tenant', 't', '--period', 'day', '--tokens', '0'], '--tokens takes a number of tokens above 0'],
    [['budgets', 'set', '--tenant', 't', '--period', 'day', '--tokens', '1.5'], '--tokens must be an integer'],
    [['budgets', 'set', '--tenant', 't', '--period', 'day', '--cost=-1'], '--cost takes an amount above 0'],
    [['budgets', '--tenant', 't', '--all'], 'use --tenant or --all, not both'],
    [['budgets', 'delete'], 'missing <budget>'],
    [['budgets', 'sett'], 'unknown command "budgets sett"'],
  ])('exits 2 before asking the API: `mesh %s`', async (args, message) => {
    const run = await mesh(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stderr).toContain('Usage: mesh budgets');
    expect(run.sent).toEqual([]);
  });

  it('lists the new commands in the help', async () => {
    const help = await mesh(['--help']);
    expect(help.stdout).toMatch(/\n {2}usage {2,}your tenant's tokens, cost and model calls/);
    expect(help.stdout).toMatch(/\n {2}budgets {2,}your tenant's token and cost budgets/);
    expect(help.stdout).toMatch(/\n {2}budgets set {2,}operators: /);
    expect(help.stdout).toMatch(/\n {2}budgets delete {2,}operators: /);
    const own = await mesh(['budgets', '--help']);
    expect(own.stdout).toMatch(/^Usage: mesh budgets \[--tenant <id> \| --all\]\n {7}mesh budgets set /);
  });
});

describe('a 402 budget_exhausted', () => {
  it('is printed by tasks submit with the budget and what to do, exit 1', async () => {
    const run = await mesh(['tasks', 'submit', NET, '--task', 'One more'], {
      [`POST /networks/${NET}/tasks`]: () =>
        json(
          {
            error: {
              code: 'budget_exhausted',
              message: "Budget exhausted: the network's daily budget is used up (1000 of 1000 tokens; it renews at the start of the next UTC day)",
              details: { budget_id: BUDGET.id, period: 'day' },
            },
          },
          402,
        ),
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.split('\n')).toEqual([
      "Error: Budget exhausted: the network's daily budget is used up (1000 of 1000 tokens; it renews at the start of the next UTC day) (HTTP 402 budget_exhausted)",
      `  Nothing was started: budget ${BUDGET.id} is used up. \`mesh budgets\` shows what each budget has used; an operator can raise one with \`mesh budgets set\`.`,
      '',
    ]);
  });
});
