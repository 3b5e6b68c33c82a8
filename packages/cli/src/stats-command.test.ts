import type { StatRow, StatsReport } from '@mesh/core';
import { json, meshAgainst as mesh } from './__tests__/fake-api';

/**
 * `mesh stats` through runCli against a fake fetch: what it asks the API, the tables it prints,
 * and the usage errors it finds before asking.
 */

const NET = '11111111-1111-4111-8111-111111111111';
const row = (overrides: Partial<StatRow> = {}): StatRow => ({
  subtasks: 3, completed: 2, failed: 1, mean_confidence: 0.7, mean_rating: 4, ratings: 3, p50_duration_ms: 3000, p95_duration_ms: 4800,
  input_tokens: 110, output_tokens: 55, cost_usd: 0.012, ...overrides,
});
const REPORT: StatsReport = {
  network_id: NET,
  window: '30d',
  from: '2026-04-14T12:00:00.000Z',
  to: '2026-05-14T12:00:00.000Z',
  totals: { ...row({ subtasks: 4, completed: 3, mean_confidence: 0.75, ratings: 4, mean_rating: 3.75, input_tokens: 1110, output_tokens: 355, cost_usd: 0.112 }), tasks: 2 },
  agent_types: [
    { agent_type: 'content', ...row() },
    { agent_type: 'coordinator', ...row({ subtasks: 0, completed: 0, failed: 0, mean_confidence: null, mean_rating: 3, ratings: 1, p50_duration_ms: null, p95_duration_ms: null, input_tokens: 1000, output_tokens: 300, cost_usd: 0.1 }) },
  ],
  models: [{ model: 'openai:gpt-test', ...row({ mean_rating: null, ratings: 0 }) }],
};
const NETWORKS = { networks: [{ id: NET, name: 'Campaigns' }], total: 1, limit: 200, offset: 0 };


describe('mesh stats', () => {
  it('asks for the network (by name) and the window, and prints a table per agent type and per model with the totals', async () => {
    const run = await mesh(['stats', 'Campaigns', '--window', '30d'], { 'GET /networks': () => json(NETWORKS), [`GET /networks/${NET}/stats`]: () => json(REPORT) });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.requests).toEqual(['GET /networks?limit=200', `GET /networks/${NET}/stats?window=30d`]);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe('stats of Campaigns, last 30d (2026-04-14T12:00:00.000Z to 2026-05-14T12:00:00.000Z): 2 tasks');
    const table = (header: string) => {
      const start = lines.findIndex((l) => l.startsWith(header));
      return lines.slice(start, lines.indexOf('', start)).map((l) => l.split(/\s{2,}/));
    };
    const headers = ['SUBTASKS', 'DONE', 'FAILED', 'CONFIDENCE', 'RATING', 'P50', 'P95', 'INPUT', 'OUTPUT', 'COST'];
    expect(table('AGENT TYPE')).toEqual([
      ['AGENT TYPE', ...headers],
      ['content', '3', '2', '1', '0.70', '4.0 (3)', '3.0 s', '4.8 s', '110', '55', '$0.0120'],
      ['coordinator', '0', '0', '0', '-', '3.0 (1)', '-', '-', '1000', '300', '$0.1000'],
      ['TOTAL', '4', '3', '1', '0.75', '3.8 (4)', '3.0 s', '4.8 s', '1110', '355', '$0.1120'],
    ]);
    expect(table('MODEL')).toEqual([
      ['MODEL', ...headers],
      ['openai:gpt-test', '3', '2', '1', '0.70', '-', '3.0 s', '4.8 s', '110', '55', '$0.0120'],
      ['TOTAL', '4', '3', '1', '0.75', '3.8 (4)', '3.0 s', '4.8 s', '1110', '355', '$0.1120'],
    ]);
  });

  it('defaults to the API\'s window, prints --json as answered, and says when the window is empty', async () => {
    const routes = { [`GET /networks/${NET}/stats`]: () => json(REPORT) };
    const asJson = await mesh(['stats', NET, '--json'], routes);
    expect(asJson.requests).toEqual([`GET /networks/${NET}/stats`]);
    expect(JSON.parse(asJson.stdout)).toEqual(REPORT);
    const empty = await mesh(['stats', NET], { [`GET /networks/${NET}/stats`]: () => json({ ...REPORT, window: '7d', totals: { ...REPORT.totals, tasks: 0 }, agent_types: [], models: [] }) });
    expect(empty.stdout).toContain(`stats of ${NET}, last 7d`);
    expect(empty.stdout).toContain('No subtasks, model calls or ratings in this window.');
  });

  it.each([
    [['stats'], 'missing <network>'],
    [['stats', NET, '--window', '2w'], '--window takes <n>h or <n>d from 1h to 90d'],
    [['stats', NET, '--window', '91d'], '--window takes <n>h or <n>d from 1h to 90d'],
    [['stats', NET, '--window', '0h'], '--window takes <n>h or <n>d from 1h to 90d'],
    [['stats', NET, 'extra'], 'unexpected argument "extra"'],
  ])('refuses %j before asking the API', async (args, message) => {
    const run = await mesh(args);
    expect(run.code).toBe(2);
    expect(run.requests).toEqual([]);
    expect(run.stderr).toContain(message);
    expect(run.stderr).toContain('Usage: mesh stats');
  });

  it("reports the API's 404 for a network it does not find", async () => {
    const run = await mesh(['stats', NET]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('no route');
  });
});
