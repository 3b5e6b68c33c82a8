import type { Subtask, Task, ToolCallView } from '@mesh/core';
import { ProgressView } from './progress-view';
import { plainStyle } from './terminal-text';

const T0 = Date.parse('2026-01-01T10:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();

function subtask(key: string, status: Subtask['status'], extra: Partial<Subtask> = {}): Subtask {
  return {
    id: `id-${key}`, subtask_id: `id-${key}`, iteration: 1, key, agent_type: key, agent_id: null, description: '', depends_on: [], attachments: [], status,
    result: null, confidence: null, reasoning: null, model: null, attempts: 0, worker_id: null, error: null, started_at: null, finished_at: null, duration_ms: null, tool_calls: [],
    ...extra,
  };
}

function task(status: Task['status'], subtasks: Subtask[], iterations = 1): Task {
  return {
    id: 'task-1', task_id: 'task-1', network_id: 'net-1', task: 'x', context: {}, priority: 5, status, iterations, max_iterations: 10, result: null, error: null,
    safety: null, simulated: true, usage: { input_tokens: 0, output_tokens: 0, cost_usd: 0, llm_calls: 0 }, subtasks, deadline_at: null, trace_id: null,
    callback_url: null, webhook_status: null, approvals: { plan: false, tool_calls: 'none', result: false, questions: false }, approval_timeout_seconds: 86_400,
    awaiting_since: null, waited_ms: 0, human_feedback: [], attachments: [], created_at: at(0), updated_at: at(0), started_at: at(0), completed_at: null,
  };
}

function recorder(isTTY: boolean) {
  const writes: string[] = [];
  return { out: { isTTY, columns: 100, write: (text: string) => writes.push(text) }, writes };
}

describe('ProgressView', () => {
  it('appends one line per change when the output is not a terminal', () => {
    let now = T0;
    const { out, writes } = recorder(false);
    const view = new ProgressView(out, plainStyle, () => now);
    view.update(task('in_progress', [subtask('content', 'queued'), subtask('design', 'queued')]));
    now += 400;
    view.update(task('in_progress', [subtask('content', 'in_progress', { started_at: at(100) }), subtask('design', 'queued')]));
    now += 400;
    view.update(task('in_progress', [subtask('content', 'completed', { duration_ms: 350, model: 'openai:gpt-4o' }), subtask('design', 'queued')]));
    expect(writes.join('')).toBe(
      [
        '[    0 ms] task in_progress (iteration 1/10)',
        '[    0 ms]   it1 content: queued',
        '[    0 ms]   it1 design: queued',
        '[  400 ms]   it1 content: in_progress',
        '[  800 ms]   it1 content: completed  350 ms  openai:gpt-4o',
        '',
      ].join('\n'),
    );
  });

  it('redraws the whole frame in place in a terminal', () => {
    let now = T0;
    const { out, writes } = recorder(true);
    const view = new ProgressView(out, plainStyle, () => now);
    view.update(task('in_progress', [subtask('content', 'in_progress', { started_at: at(0) })]));
    now += 1500;
    view.tick();
    expect(writes[0]).toBe(['task task-1  in_progress  iteration 1/10  0 ms', '  it1  content  content  in_progress      0 ms', ''].join('\n'));
    // Back up over the 2 lines drawn, clear, draw again with the running time grown.
    expect(writes[1]).toBe('\r\x1b[2A\x1b[J');
    expect(writes[2]).toContain('  it1  content  content  in_progress     1.5 s');
  });

  it('cuts lines to the terminal width so a wrapped line cannot break the redraw', () => {
    const { out, writes } = recorder(true);
    const view = new ProgressView({ ...out, columns: 30 }, plainStyle, () => T0);
    view.update(task('in_progress', [subtask('a-very-long-agent-type-name', 'queued')]));
    for (const line of writes.join('').split('\n')) expect(line.length).toBeLessThanOrEqual(29);
  });
});

describe('ProgressView with the event stream', () => {
  it('holds a finished subtask line until its model and duration arrive', () => {
    const { out, writes } = recorder(false);
    const view = new ProgressView(out, plainStyle, () => T0);
    // Applied from a `subtask.status` event: status only.
    view.update(task('in_progress', [subtask('content', 'completed', { started_at: at(0), finished_at: at(300) })]));
    expect(writes.join('')).not.toContain('it1 content');
    // Even when the event says the task has ended.
    view.update(task('completed', [subtask('content', 'completed', { started_at: at(0), finished_at: at(300) })]));
    expect(writes.join('')).not.toContain('it1 content');
    // The re-read of the task (or the stream's final `end`) brings the rest.
    view.update(task('completed', [subtask('content', 'completed', { duration_ms: 300, model: 'simulated:simulated' })]));
    expect(writes.join('')).toContain('it1 content: completed  300 ms  simulated:simulated');
  });

  it('prints what was held back when the watch ends', () => {
    const { out, writes } = recorder(false);
    const view = new ProgressView(out, plainStyle, () => T0);
    const ended = task('failed', [subtask('content', 'failed', { error: 'boom' })]);
    view.update(ended);
    expect(writes.join('')).not.toContain('it1 content');
    view.finish(ended);
    expect(writes.join('')).toContain('it1 content: failed  -');
  });
});

function toolCall(n: number, extra: Partial<ToolCallView> = {}): ToolCallView {
  return { id: `call-${n}`, tool: 'analytics.getReport', arguments: { campaign: 'spring' }, status: 'completed', result: `opens: ${n}`, error: null, idempotency_key: `key-${n}`, started_at: at(0), duration_ms: 120, ...extra };
}

describe('ProgressView with tool calls', () => {
  it("shows a subtask's latest tool calls under its row in a terminal, running ones with their time so far", () => {
    let now = T0;
    const { out, writes } = recorder(true);
    const view = new ProgressView({ ...out, columns: 200 }, plainStyle, () => now);
    const calls = [toolCall(1), toolCall(2), toolCall(3, { status: 'failed', result: null, error: 'HTTP 503 from analytics' }), toolCall(4, { status: 'running', result: null, duration_ms: null })];
    now += 2000;
    view.update(task('in_progress', [subtask('analytics', 'in_progress', { started_at: at(0), tool_calls: calls })]));
    expect(writes[0]!.split('\n')).toEqual([
      'task task-1  in_progress  iteration 1/10  2.0 s',
      '  it1  analytics  analytics  in_progress     2.0 s',
      '      … 1 earlier tool call',
      '      > analytics.getReport  completed  120 ms  opens: 2',
      '      > analytics.getReport  failed  120 ms  HTTP 503 from analytics',
      '      > analytics.getReport  running  2.0 s',
      '',
    ]);
  });

  it('appends a line per tool call once it has ended and its result is known, between the start and the end of its subtask', () => {
    const { out, writes } = recorder(false);
    const view = new ProgressView(out, plainStyle, () => T0);
    view.update(task('in_progress', [subtask('analytics', 'in_progress', { tool_calls: [toolCall(1, { status: 'running', result: null, duration_ms: null })] })]));
    // From a `tool.call` event: ended, no result yet.
    view.update(task('in_progress', [subtask('analytics', 'in_progress', { tool_calls: [toolCall(1, { result: null })] })]));
    expect(writes.join('')).not.toContain('tool analytics.getReport');
    view.update(task('in_progress', [subtask('analytics', 'in_progress', { tool_calls: [toolCall(1, { result: 'opens: 42\n\x1b[2Jclicks: 7' })] })]));
    view.update(
      task('completed', [
        subtask('analytics', 'completed', { duration_ms: 900, model: 'simulated:simulated', tool_calls: [toolCall(1, { result: 'opens: 42' }), toolCall(2, { status: 'failed', result: null, error: 'refused' })] }),
      ]),
    );
    expect(writes.join('').split('\n').filter((line) => line.includes('it1'))).toEqual([
      '[    0 ms]   it1 analytics: in_progress',
      '[    0 ms]   it1 analytics: tool analytics.getReport  completed  120 ms  opens: 42 clicks: 7',
      '[    0 ms]   it1 analytics: tool analytics.getReport  failed  120 ms  refused',
      '[    0 ms]   it1 analytics: completed  900 ms  simulated:simulated',
    ]);
  });
});

describe('ProgressView while a person is asked', () => {
  it('appends a line when a tool call starts to wait and another when it ends; approved and running get none', () => {
    const { out, writes } = recorder(false);
    const view = new ProgressView(out, plainStyle, () => T0);
    const send = (extra: Partial<ToolCallView>) => toolCall(1, { tool: 'send_email', result: null, duration_ms: null, ...extra });
    view.update(task('in_progress', [subtask('content', 'in_progress', { tool_calls: [send({ status: 'awaiting_approval' })] })]));
    view.update(task('awaiting_approval', [subtask('content', 'awaiting_approval', { tool_calls: [send({ status: 'awaiting_approval' })] })]));
    view.update(task('in_progress', [subtask('content', 'in_progress', { tool_calls: [send({ status: 'approved' })] })]));
    view.update(task('in_progress', [subtask('content', 'in_progress', { tool_calls: [send({ status: 'running' })] })]));
    view.update(task('in_progress', [subtask('content', 'in_progress', { tool_calls: [send({ status: 'completed', result: 'sent', duration_ms: 80 })] })]));
    expect(writes.join('').split('\n').filter((line) => line.includes('it1') || line.includes('] task'))).toEqual([
      '[    0 ms] task in_progress (iteration 1/10)',
      '[    0 ms]   it1 content: in_progress',
      '[    0 ms]   it1 content: tool send_email  awaiting_approval  -',
      '[    0 ms] task awaiting_approval (iteration 1/10)',
      '[    0 ms]   it1 content: awaiting_approval',
      '[    0 ms] task in_progress (iteration 1/10)',
      '[    0 ms]   it1 content: in_progress',
      '[    0 ms]   it1 content: tool send_email  completed  80 ms  sent',
    ]);
  });

  it('a rejected tool call gets its line with the reason', () => {
    const { out, writes } = recorder(false);
    const view = new ProgressView(out, plainStyle, () => T0);
    view.update(task('in_progress', [subtask('content', 'in_progress', { tool_calls: [toolCall(1, { status: 'rejected', result: null, error: 'a person rejected the call: wrong list', duration_ms: 0 })] })]));
    expect(writes.join('')).toContain('it1 content: tool analytics.getReport  rejected  0 ms  a person rejected the call: wrong list');
  });

  it('says when subtasks were removed from the plan (a person edited it)', () => {
    const { out, writes } = recorder(false);
    const view = new ProgressView(out, plainStyle, () => T0);
    view.update(task('awaiting_approval', [subtask('content', 'queued'), subtask('design', 'queued')]));
    view.update(task('in_progress', [subtask('x', 'queued', { agent_type: 'content' })]));
    expect(writes.join('').split('\n').filter((line) => line.includes('it1'))).toEqual([
      '[    0 ms]   it1 content: queued',
      '[    0 ms]   it1 design: queued',
      '[    0 ms]   it1 content: removed from the plan',
      '[    0 ms]   it1 design: removed from the plan',
      '[    0 ms]   it1 content x: queued',
    ]);
  });

  it('keeps the columns of a terminal frame aligned around awaiting_approval', () => {
    const { out, writes } = recorder(true);
    const view = new ProgressView({ ...out, columns: 200 }, plainStyle, () => T0);
    view.update(task('awaiting_approval', [subtask('content', 'awaiting_approval', { started_at: at(0) }), subtask('design', 'queued')]));
    expect(writes[0]!.split('\n')).toEqual([
      'task task-1  awaiting_approval  iteration 1/10  0 ms',
      '  it1  content  content  awaiting_approval      0 ms',
      '  it1  design   design   queued                    -',
      '',
    ]);
    const empty = recorder(true);
    new ProgressView(empty.out, plainStyle, () => T0).update(task('awaiting_approval', []));
    expect(empty.writes[0]).toContain('(waiting for a person)');
  });
});
