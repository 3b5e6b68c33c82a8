import type { UsageRow } from '@mesh/core';
import { niceStep, parseUsageView, rangeBounds, rowLabel, usageChart, usageViewSearch } from '../src/lib/usage';
import { formatShare } from '../src/lib/format';

const row = (key: string, input: number, output: number, cost = 0): UsageRow => ({ key, input_tokens: input, output_tokens: output, tokens: input + output, cost_usd: cost, llm_calls: 1 });

describe('rangeBounds', () => {
  const now = Date.parse('2026-05-14T15:30:00.000Z');

  it('is this UTC month so far by default, and the last 7 or 30 UTC days with today', () => {
    expect(rangeBounds('month', now)).toEqual({ from: '2026-05-01T00:00:00.000Z', to: '2026-05-14T15:30:00.000Z' });
    expect(rangeBounds('7d', now)).toEqual({ from: '2026-05-08T00:00:00.000Z', to: '2026-05-14T15:30:00.000Z' });
    expect(rangeBounds('30d', now).from).toBe('2026-04-15T00:00:00.000Z');
    // Across a year's end.
    expect(rangeBounds('7d', Date.parse('2026-01-03T01:00:00.000Z')).from).toBe('2025-12-28T00:00:00.000Z');
  });
});

describe('the usage view in the URL', () => {
  it('reads the choices, falls back to the defaults for unknown ones, and writes only what is not the default', () => {
    expect(parseUsageView('')).toEqual({ range: 'month', groupBy: 'day', networkId: '', metric: 'tokens' });
    const view = parseUsageView('?range=7d&group_by=model&network=n1&metric=cost');
    expect(view).toEqual({ range: '7d', groupBy: 'model', networkId: 'n1', metric: 'cost' });
    expect(parseUsageView(usageViewSearch(view))).toEqual(view);
    expect(parseUsageView('?range=year&group_by=tenant&metric=calls')).toEqual(parseUsageView(''));
    expect(usageViewSearch(parseUsageView(''))).toBe('');
  });
});

describe('usageChart', () => {
  const names = new Map([['n1', 'Campaigns']]);

  it('has one bar per row, days in order and other groups largest first, tokens split into input and output', () => {
    const days = usageChart([row('2026-05-01', 100, 50), row('2026-05-02', 900, 300)], 'day', 'tokens', names);
    expect(days.bars.map((b) => b.row.key)).toEqual(['2026-05-01', '2026-05-02']);
    expect(days.axisMax).toBe(1500);
    expect(days.ticks).toEqual([0, 500, 1000, 1500]);
    expect(days.bars[1]?.segments).toEqual([
      { part: 'input', share: 900 / 1500 },
      { part: 'output', share: 300 / 1500 },
    ]);

    const models = usageChart([row('a:small', 10, 10), row('b:large', 400, 100), row('c:mid', 100, 20)], 'model', 'tokens', names);
    expect(models.bars.map((b) => [b.label, b.value])).toEqual([
      ['b:large', 500],
      ['c:mid', 120],
      ['a:small', 20],
    ]);
  });

  it('charts cost on an axis of cents, names networks, and keeps an axis when nothing cost anything', () => {
    const cost = usageChart([row('n1', 1, 1, 0.0123), row('none', 1, 1, 0.004), row('n2', 1, 1, 0)], 'network', 'cost', names);
    expect(cost.bars.map((b) => [b.label, b.value])).toEqual([
      ['Campaigns', 0.0123],
      ['(no network)', 0.004],
      ['n2', 0],
    ]);
    expect(cost.axisMax).toBeCloseTo(0.015, 10);
    expect(cost.ticks).toEqual([0, 0.005, 0.01, 0.015]);
    expect(cost.bars[0]?.segments).toEqual([{ part: 'cost', share: 0.0123 / cost.axisMax }]);

    const free = usageChart([row('simulated:simulated', 10, 5, 0)], 'model', 'cost', names);
    expect(free).toMatchObject({ axisMax: 1, ticks: [0, 1] });
    expect(free.bars[0]?.segments[0]?.share).toBe(0);
  });

  it('picks round steps', () => {
    expect(niceStep(1500)).toBe(500);
    expect(niceStep(7)).toBe(2);
    expect(niceStep(0.0123)).toBe(0.005);
  });

  it('labels rows by key, networks by name', () => {
    expect(rowLabel('agent_type', 'coordinator', names)).toBe('coordinator');
    expect(rowLabel('network', 'n1', names)).toBe('Campaigns');
    expect(rowLabel('network', 'n9', names)).toBe('n9');
  });
});

describe('formatShare', () => {
  it('never shows 100 % before a budget is used up', () => {
    expect([0, 0.125, 0.8, 0.9999, 1, 1.234].map(formatShare)).toEqual(['0%', '12%', '80%', '99%', '100%', '123%']);
  });
});
