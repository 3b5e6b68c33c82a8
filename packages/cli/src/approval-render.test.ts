import type { Approval, ApprovalSettings } from '@mesh/core';
import { approvalDetails, approvalRequestLine, approvalSettingsLine, approvalsTable, pendingApprovalsSection, subjectSummary } from './approval-render';
import { plainStyle } from './terminal-text';

const NOW = Date.parse('2026-01-01T12:00:00.000Z');
const at = (offsetMs: number) => new Date(NOW + offsetMs).toISOString();
const MIN = 60_000;
const HOUR = 60 * MIN;
const TASK = '7d1e5c1a-9a7e-4f55-8a6c-2d3c4b5a6f70';
const NETWORK = '0c9b8a7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d';

function approval(n: number, kind: Approval['kind'], subject: Approval['subject'], extra: Partial<Approval> = {}): Approval {
  const id = `a${n}000000-0000-4000-8000-00000000000${n}`;
  return {
    id, approval_id: id, network_id: NETWORK, task_id: TASK, subtask_id: null, kind, subject, status: 'pending', requested_at: at(-5 * MIN), expires_at: at(23 * HOUR + 30 * MIN),
    decided_at: null, decided_by: null, comment: null, edits: null, answer: null, ...extra,
  };
}

const plan = approval(1, 'plan', {
  iteration: 1,
  reasoning: 'Two parallel steps',
  subtasks: [
    { key: 'copy', agent_type: 'content', description: 'Write the email copy', depends_on: [] },
    { key: 'analytics', agent_type: 'analytics', description: 'Pick the send time', depends_on: ['copy'] },
  ],
});
const toolCall = approval(2, 'tool_call', {
  subtask_key: 'send', agent_type: 'content', tool: 'send_email', description: 'Sends an email through SMTP', side_effects: true, input_schema: {},
  arguments: { to: 'ops@example.com', subject: 'Launch' }, reason: 'The copy is ready\x1b[2J; sending it', tool_call_id: 'c0000000-0000-4000-8000-000000000001',
});
const result = approval(3, 'result', { iteration: 2, result: { content: '# Launch plan\n\nSend on Tuesday.', confidence: 0.82, explanation: 'From two specialists' } });
const question = approval(4, 'question', { subtask_key: 'copy', agent_type: 'content', question: 'Which product name should the email use?', tool_call_id: 'c0000000-0000-4000-8000-000000000002' });

describe('subjectSummary', () => {
  it('says on one line what each kind asks', () => {
    expect(subjectSummary(plan)).toBe('iteration 1: 2 subtask(s): copy (content), analytics');
    expect(subjectSummary(toolCall)).toBe('send_email [side effects] {"to":"ops@example.com","subject":"Launch"} (content)');
    expect(subjectSummary(result)).toBe('iteration 2 draft: # Launch plan Send on Tuesday.');
    expect(subjectSummary(question)).toBe('content asks: Which product name should the email use?');
  });
});

describe('approvalsTable', () => {
  const all = [plan, toolCall, { ...result, status: 'approved' as const, decided_at: at(-MIN) }, question];

  it('prints whole ids when piped, with ages and the time left to decide', () => {
    const lines = approvalsTable(all, { nowMs: NOW }).split('\n');
    expect(lines[0]).toMatch(/^ID\s+KIND\s+STATUS\s+TASK\s+REQUESTED\s+EXPIRES\s+SUBJECT$/);
    expect(lines[1]).toMatch(new RegExp(`^${plan.id}  plan       pending   ${TASK}  5 min ago  in 23 h  iteration 1: 2 subtask\\(s\\): copy \\(content\\), analytics$`));
    // Decided: nothing expires any more.
    expect(lines[3]).toMatch(/ approved .* 5 min ago  -  +iteration 2 draft/);
  });

  it('shortens the ids in a terminal and cuts the subject to fit', () => {
    for (const width of [80, 60]) {
      const out = approvalsTable(all, { nowMs: NOW, width });
      for (const line of out.split('\n')) expect(line.length).toBeLessThanOrEqual(width);
      expect(out).toContain(`${plan.id.slice(0, 8)}  plan `);
      expect(out).not.toContain(plan.id);
    }
  });

  it('names the network when the list comes from several', () => {
    const out = approvalsTable([plan], { nowMs: NOW, networkNames: new Map([[NETWORK, 'Campaigns']]) });
    expect(out.split('\n')[0]).toMatch(/^ID\s+KIND\s+STATUS\s+TASK\s+NETWORK\s+REQUESTED/);
    expect(out).toContain(`${TASK}  Campaigns  5 min ago`);
  });

  it('says overdue for a pending request past its time', () => {
    expect(approvalsTable([{ ...plan, expires_at: at(-MIN) }], { nowMs: NOW })).toContain('  overdue  ');
  });
});

describe('approvalDetails', () => {
  it('shows a pending plan as a subtasks table, then how to decide', () => {
    const lines = approvalDetails(plan, plainStyle, NOW).split('\n');
    expect(lines.slice(0, 3)).toEqual([
      `approval ${plan.id}  pending`,
      `plan of task ${TASK} in network ${NETWORK}`,
      `requested ${plan.requested_at} (5 min ago), expires ${plan.expires_at} (in 23 h)`,
    ]);
    expect(lines).toContain('plan for iteration 1: 2 subtask(s)');
    expect(lines).toContain('reasoning: Two parallel steps');
    const header = lines.findIndex((l) => /^KEY\s+AGENT\s+DEPENDS ON\s+DESCRIPTION$/.test(l));
    expect(lines.slice(header + 1, header + 3)).toEqual(['copy       content    -           Write the email copy', 'analytics  analytics  copy        Pick the send time']);
    expect(lines).toContain(`  mesh approvals approve ${plan.id} [--comment <text>] [--edits <json> | --edits @file.json]`);
    expect(lines).toContain(`  mesh approvals reject ${plan.id} --comment <text>`);
    expect(lines.join('\n')).toContain('--edits {"subtasks": [');
  });

  it('shows a tool call with its description, side effects, arguments as JSON and reason, as safe text', () => {
    const out = approvalDetails(toolCall, plainStyle, NOW);
    expect(out).toContain('tool call send_email  has side effects');
    expect(out).toContain('asked by content in subtask send');
    expect(out).toContain('description: Sends an email through SMTP');
    expect(out).toContain('reason: The copy is ready; sending it');
    expect(out).toContain('arguments\n  {\n    "to": "ops@example.com",\n    "subject": "Launch"\n  }');
    expect(out).toContain('{"arguments": {...}}');
    expect(out).not.toContain('\x1b');
  });

  it('shows a draft result whole and a question with the answer command', () => {
    const draft = approvalDetails(result, plainStyle, NOW);
    expect(draft).toContain('result of iteration 2 (confidence 0.82)\n\n# Launch plan\n\nSend on Tuesday.\n\nFrom two specialists');
    const asked = approvalDetails(question, plainStyle, NOW);
    expect(asked).toContain('question from content in subtask copy\n\nWhich product name should the email use?');
    expect(asked).toContain(`Answer with: mesh approvals answer ${question.id} "<answer>"`);
    expect(asked).not.toContain('mesh approvals approve');
  });

  it('shows the decision: who, when, the comment, the edits, the answer; an expiry says it counts as rejected', () => {
    const approved = approvalDetails(
      { ...plan, status: 'approved', decided_at: at(-2 * MIN), decided_by: 'alice', comment: 'Only the copy', edits: { subtasks: [{ key: 'x' }] } },
      plainStyle,
      NOW,
    );
    expect(approved).toContain(`approved by alice at ${at(-2 * MIN)} (2 min ago)\ncomment: Only the copy\nedits\n  {\n    "subtasks": [`);
    expect(approved).not.toContain('Decide with');
    expect(approved.split('\n')[2]).toBe(`requested ${plan.requested_at} (5 min ago)`);
    const answered = approvalDetails({ ...question, status: 'answered', decided_at: at(-MIN), decided_by: 'bob', answer: 'TechPro X1' }, plainStyle, NOW);
    expect(answered).toContain('answered by bob');
    expect(answered).toContain('answer\n  TechPro X1');
    const expired = approvalDetails({ ...plan, status: 'expired', decided_at: at(-MIN), comment: 'no decision within 86400 s' }, plainStyle, NOW);
    expect(expired).toContain('expired at');
    expect(expired).toContain('nobody decided in time, so it counts as rejected');
  });
});

describe('approvalRequestLine and pendingApprovalsSection', () => {
  it('say what a person is asked and the command to see it', () => {
    expect(approvalRequestLine(plan)).toBe(`A person is asked to approve the plan of iteration 1 (2 subtask(s)): mesh approvals show ${plan.id}`);
    expect(approvalRequestLine(toolCall)).toBe(`A person is asked to approve content's call of send_email: mesh approvals show ${toolCall.id}`);
    expect(approvalRequestLine(result)).toBe(`A person is asked to approve the result of iteration 2: mesh approvals show ${result.id}`);
    expect(approvalRequestLine(question)).toBe(`content asks a person: "Which product name should the email use?": mesh approvals show ${question.id}`);
    expect(pendingApprovalsSection([{ ...plan, status: 'rejected' }, toolCall], plainStyle, NOW)).toEqual([
      'waiting for a person',
      `  tool call, expires in 23 h: ${subjectSummary(toolCall)}`,
      `    mesh approvals show ${toolCall.id}`,
    ]);
    expect(pendingApprovalsSection([{ ...plan, status: 'approved' }], plainStyle, NOW)).toEqual([]);
  });
});

describe('approvalSettingsLine', () => {
  it('names where a person is asked, or none', () => {
    const off: ApprovalSettings = { plan: false, tool_calls: 'none', result: false, questions: false };
    expect(approvalSettingsLine(off, 86_400)).toBe('approvals: none; requests expire after 86400 s');
    expect(approvalSettingsLine({ plan: true, tool_calls: 'side_effects', result: true, questions: true }, 60)).toBe(
      "approvals: plan, result, tool calls with side effects, agents' questions; requests expire after 60 s",
    );
    expect(approvalSettingsLine({ ...off, tool_calls: 'all' }, 60)).toBe('approvals: all tool calls; requests expire after 60 s');
  });
});
