import type { TaskStreamEvent } from '@mesh/client';
import { eventSummary, filterEvents, toLogEntry, traceUrl } from '../src/lib/event-log';
import { subtask, task } from './fixtures';

const AT = '2026-01-01T10:00:00.000Z';

describe('the event log', () => {
  const events: TaskStreamEvent[] = [
    { event: 'snapshot', receivedAt: AT, task: task({ status: 'in_progress', iterations: 1, max_iterations: 3, subtasks: [subtask({ key: 'copy' })] }) },
    { event: 'task.status', receivedAt: AT, data: { type: 'task.status', task_id: 't', status: 'in_progress', iteration: 2, at: '2026-01-01T10:00:01.000Z' } },
    { event: 'subtask.status', receivedAt: AT, data: { type: 'subtask.status', task_id: 't', subtask_id: 's', key: 'banner', agent_type: 'design', status: 'timed_out', at: AT } },
    { event: 'tool.call', receivedAt: AT, data: { type: 'tool.call', task_id: 't', subtask_id: 's', tool_call_id: 'c', tool: 'send_email', status: 'failed', duration_ms: 12.4, error: 'refused', at: AT } },
    { event: 'approval.requested', receivedAt: AT, data: { type: 'approval.requested', task_id: 't', approval_id: 'a', kind: 'tool_call', subtask_id: 's', expires_at: '2026-01-02T10:00:00.000Z', at: AT } },
    { event: 'approval.decided', receivedAt: AT, data: { type: 'approval.decided', task_id: 't', approval_id: 'a', kind: 'tool_call', status: 'rejected', at: AT } },
    { event: 'budget.warning', receivedAt: AT, data: { type: 'budget.warning', task_id: 't', budget_id: 'b', network_id: null, period: 'day', used_ratio: 0.8312, at: AT } },
    { event: 'end', receivedAt: '2026-01-01T10:00:09.000Z', task: task({ status: 'completed', iterations: 2, max_iterations: 3, subtasks: [] }) },
  ];

  it('says what each event means', () => {
    expect(events.map(eventSummary)).toEqual([
      'following the task: task in progress, iteration 1 of 3, 1 subtasks',
      'task in progress (iteration 2)',
      'subtask banner (design) timed out',
      'tool send_email failed, 12 ms: refused',
      'a person is asked: tool call (expires 2026-01-02T10:00:00.000Z)',
      'tool call rejected',
      "budget warning: 83% of the day's budget used",
      'the stream ended: task completed, iteration 2 of 3, 0 subtasks',
    ]);
  });

  it('dates events by their own time, snapshot and end by their arrival', () => {
    const entries = events.map(toLogEntry);
    expect(entries[1]).toMatchObject({ seq: 1, event: 'task.status', at: '2026-01-01T10:00:01.000Z' });
    expect(entries[7]).toMatchObject({ seq: 7, event: 'end', at: '2026-01-01T10:00:09.000Z' });
  });

  it('filters by kind and by text, any case', () => {
    const entries = events.map(toLogEntry);
    expect(filterEvents(entries, new Set(), '')).toHaveLength(8);
    expect(filterEvents(entries, new Set(['subtask.status', 'tool.call']), '').map((e) => e.event)).toEqual(['subtask.status', 'tool.call']);
    expect(filterEvents(entries, new Set(), 'BANNER').map((e) => e.seq)).toEqual([2]);
    expect(filterEvents(entries, new Set(['task.status']), 'banner')).toEqual([]);
  });

  it("links a task to its trace with the operator's template, and to nothing without one", () => {
    expect(traceUrl('http://jaeger:16686/trace/{trace_id}', '4bf92f3577b34da6a3ce929d0e0e4736')).toBe('http://jaeger:16686/trace/4bf92f3577b34da6a3ce929d0e0e4736');
    expect(traceUrl('http://t/{trace_id}?again={trace_id}', 'a b')).toBe('http://t/a%20b?again=a%20b');
    expect(traceUrl(null, 'abc')).toBeNull();
    expect(traceUrl('http://t/{trace_id}', null)).toBeNull();
  });
});
