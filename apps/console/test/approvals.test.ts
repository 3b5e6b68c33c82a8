import type { Approval } from '@mesh/core';
import {
  approvalWatchKey,
  asksForApproval,
  describeApprovalSettings,
  editableText,
  EditsError,
  isOverdue,
  MAX_SUMMARY_CHARS,
  parseEdits,
  subjectOf,
  summarizeApproval,
} from '../src/lib/approvals';
import { formatDuration } from '../src/lib/format';
import { subtask, task } from './fixtures';

const TOOL_CALL_ID = '7b0c5a52-3f7e-4a55-9d0e-0f6f2a1c9b11';

const plan: Pick<Approval, 'kind' | 'subject'> = {
  kind: 'plan',
  subject: {
    iteration: 1,
    reasoning: 'one subtask per specialist',
    subtasks: [
      { key: 'copy', agent_type: 'content', description: 'Write the copy', depends_on: [], attachments: [] },
      { key: 'visuals', agent_type: 'design', description: 'Draw it', depends_on: ['copy'], attachments: [] },
    ],
  },
};
const toolCall: Pick<Approval, 'kind' | 'subject'> = {
  kind: 'tool_call',
  subject: {
    subtask_key: 'send',
    agent_type: 'content',
    tool: 'send_email',
    description: 'Sends one email',
    side_effects: true,
    input_schema: { type: 'object' },
    arguments: { to: 'a@example.com' },
    reason: 'The copy is ready.',
    tool_call_id: TOOL_CALL_ID,
  },
};
const result: Pick<Approval, 'kind' | 'subject'> = {
  kind: 'result',
  subject: { iteration: 2, result: { content: '# Launch\n\nShip it\non Tuesday.', confidence: 0.8, explanation: 'e' } },
};
const question: Pick<Approval, 'kind' | 'subject'> = {
  kind: 'question',
  subject: { subtask_key: 'copy', agent_type: 'content', question: 'Which colour is the brand?', tool_call_id: TOOL_CALL_ID },
};

describe('summarizeApproval', () => {
  it('says in one line what each kind asks about', () => {
    expect(summarizeApproval(plan)).toBe('Plan of iteration 1: 2 subtasks (content, design)');
    expect(summarizeApproval(toolCall)).toBe('content calls send_email (side effects) with {"to":"a@example.com"}');
    expect(summarizeApproval(result)).toBe('Result of iteration 2: # Launch Ship it on Tuesday.');
    expect(summarizeApproval(question)).toBe('content asks: Which colour is the brand?');
  });

  it('cuts long subjects to one short line', () => {
    const long = summarizeApproval({ kind: 'question', subject: { ...(question.subject as object), question: 'why?\n'.repeat(100) } as Approval['subject'] });
    expect(long).toHaveLength(MAX_SUMMARY_CHARS);
    expect(long.endsWith('…')).toBe(true);
    expect(long).not.toContain('\n');
  });
});

describe('editing a subject', () => {
  it('starts from the plan, the arguments or the draft as they are', () => {
    expect(JSON.parse(editableText(subjectOf(plan)))).toEqual((plan.subject as { subtasks: unknown }).subtasks);
    expect(editableText(subjectOf(toolCall))).toBe('{\n  "to": "a@example.com"\n}');
    expect(editableText(subjectOf(result))).toBe('# Launch\n\nShip it\non Tuesday.');
  });

  it('parses what a person typed into the edits each kind takes', () => {
    expect(parseEdits(subjectOf(plan), '[{"key": "copy", "agent_type": "content", "description": "d", "depends_on": []}]')).toEqual({
      subtasks: [{ key: 'copy', agent_type: 'content', description: 'd', depends_on: [] }],
    });
    expect(parseEdits(subjectOf(plan), '{"subtasks": [{"key": "copy", "agent_type": "content", "description": "d", "depends_on": []}]}')).toEqual({
      subtasks: [{ key: 'copy', agent_type: 'content', description: 'd', depends_on: [] }],
    });
    expect(parseEdits(subjectOf(toolCall), '{"to": "b@example.com"}')).toEqual({ arguments: { to: 'b@example.com' } });
    expect(parseEdits(subjectOf(result), 'Launch day.')).toEqual({ content: 'Launch day.' });
  });

  it('refuses edits that cannot be sent, saying what to fix', () => {
    expect(() => parseEdits(subjectOf(plan), '[{"key": ')).toThrow(/^The subtasks are not valid JSON: /);
    expect(() => parseEdits(subjectOf(plan), '[]')).toThrow('The subtasks must be a non-empty JSON array');
    expect(() => parseEdits(subjectOf(plan), '{"subtasks": []}')).toThrow(EditsError);
    expect(() => parseEdits(subjectOf(plan), '["copy"]')).toThrow('Each subtask must be a JSON object');
    expect(() => parseEdits(subjectOf(toolCall), '["b@example.com"]')).toThrow('The arguments must be a JSON object');
    expect(() => parseEdits(subjectOf(result), '  \n')).toThrow('The edited result is empty');
    expect(() => parseEdits(subjectOf(question), 'x')).toThrow('A question takes an answer');
  });
});

describe('approval settings', () => {
  it('says where a task asks a person', () => {
    const none = { plan: false, tool_calls: 'none', result: false, questions: false } as const;
    expect(describeApprovalSettings(none)).toBe('nowhere');
    expect(asksForApproval(none)).toBe(false);
    expect(describeApprovalSettings({ ...none, plan: true, result: true })).toBe('plan, result');
    expect(describeApprovalSettings({ plan: true, tool_calls: 'side_effects', result: true, questions: true })).toBe(
      'plan, side-effecting tool calls, result, agents may ask questions',
    );
    expect(asksForApproval({ ...none, tool_calls: 'all' })).toBe(true);
    expect(asksForApproval({ ...none, questions: true })).toBe(true);
  });

  it('shows how long requests may wait in hours and days', () => {
    expect(formatDuration(86_400_000)).toBe('1 d');
    expect(formatDuration(3 * 86_400_000 + 2 * 3_600_000)).toBe('3 d 2 h');
    expect(formatDuration(3_600_000)).toBe('1 h');
    expect(formatDuration(90 * 60_000)).toBe('1 h 30 min');
    expect(formatDuration(125_000)).toBe('2 min 5 s');
  });
});

describe('approvalWatchKey', () => {
  it('changes when a request is made or decided, not when usage ticks', () => {
    const waiting = task({ status: 'awaiting_approval', awaiting_since: '2026-01-01T10:00:01.000Z', subtasks: [subtask({ key: 'copy', id: 's1', status: 'queued' })] });
    const key = approvalWatchKey(waiting);
    expect(approvalWatchKey({ ...waiting, usage: { ...waiting.usage, llm_calls: 3 }, updated_at: '2026-01-01T10:00:05.000Z' } as typeof waiting)).toBe(key);
    expect(approvalWatchKey({ ...waiting, status: 'in_progress', awaiting_since: null })).not.toBe(key);
    expect(approvalWatchKey({ ...waiting, iterations: 2 })).not.toBe(key);
    const parkedCall = subtask({
      key: 'copy',
      id: 's1',
      status: 'in_progress',
      tool_calls: [
        { id: 'c1', tool: 'ask_human', arguments: {}, status: 'awaiting_approval', result: null, error: null, idempotency_key: 'k', started_at: '2026-01-01T10:00:00.000Z', duration_ms: null },
      ],
    });
    const withCall = approvalWatchKey({ ...waiting, status: 'in_progress', subtasks: [parkedCall] });
    const answered = approvalWatchKey({ ...waiting, status: 'in_progress', subtasks: [{ ...parkedCall, tool_calls: [{ ...parkedCall.tool_calls![0]!, status: 'completed' }] }] });
    expect(answered).not.toBe(withCall);
  });
});

describe('isOverdue', () => {
  it('is a pending request past its expiry', () => {
    const now = Date.parse('2026-01-01T10:00:00.000Z');
    expect(isOverdue({ status: 'pending', expires_at: '2026-01-01T09:59:59.000Z' }, now)).toBe(true);
    expect(isOverdue({ status: 'pending', expires_at: '2026-01-01T10:00:01.000Z' }, now)).toBe(false);
    expect(isOverdue({ status: 'expired', expires_at: '2026-01-01T09:59:59.000Z' }, now)).toBe(false);
  });
});
