import type { ToolCallView } from '@mesh/core';
import { formatToolArguments, MAX_ARGUMENTS_CHARS, summarizeToolCalls, toolCallMs } from '../src/lib/tool-calls';

const call = (status: ToolCallView['status'], extra: Partial<ToolCallView> = {}): ToolCallView => ({
  id: `c-${Math.random()}`,
  tool: 'analytics.getReport',
  arguments: {},
  status,
  result: null,
  error: null,
  idempotency_key: 'k',
  started_at: '2026-01-01T10:00:00.000Z',
  duration_ms: status === 'running' ? null : 10,
  ...extra,
});

describe('summarizeToolCalls', () => {
  it('counts the calls, the failed, the running and the ones awaiting approval; nothing for a subtask without calls', () => {
    expect(summarizeToolCalls([])).toBeNull();
    expect(summarizeToolCalls(undefined)).toBeNull();
    expect(summarizeToolCalls([call('completed')])).toEqual({ label: '1 tool call', failed: 0, running: 0, awaitingApproval: 0 });
    expect(summarizeToolCalls([call('completed'), call('failed'), call('running')])).toEqual({ label: '3 tool calls', failed: 1, running: 1, awaitingApproval: 0 });
    expect(summarizeToolCalls([call('awaiting_approval'), call('approved'), call('rejected')])).toEqual({ label: '3 tool calls', failed: 0, running: 0, awaitingApproval: 1 });
  });
});

describe('formatToolArguments', () => {
  it('indents the JSON and cuts long arguments', () => {
    expect(formatToolArguments({ to: 'a@example.com' })).toBe('{\n  "to": "a@example.com"\n}');
    const long = formatToolArguments({ text: 'x'.repeat(MAX_ARGUMENTS_CHARS * 2) });
    expect(long).toHaveLength(MAX_ARGUMENTS_CHARS);
    expect(long.endsWith('…')).toBe(true);
  });
});

describe('toolCallMs', () => {
  it('is the recorded duration, or the time so far while the call runs', () => {
    const now = Date.parse('2026-01-01T10:00:02.500Z');
    expect(toolCallMs(call('completed', { duration_ms: 42 }), now)).toBe(42);
    expect(toolCallMs(call('running'), now)).toBe(2_500);
    expect(toolCallMs(call('failed', { duration_ms: null }), now)).toBeNull();
  });
});
