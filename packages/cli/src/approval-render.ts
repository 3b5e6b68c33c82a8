import type { Approval, ApprovalSettings, PlanSubject, QuestionSubject, ResultSubject, ToolCallSubject } from '@mesh/core';
import { formatTable } from './table';
import { formatRelative, oneLine, safeText, type Style } from './terminal-text';

/**
 * Requests for a person as text: a table, one request in full (its subject, then the decision or
 * how to decide), and the one line the live view prints when a person is asked. Subjects come
 * from models (a plan, a tool call's arguments, a draft, a question): all of it goes through
 * safeText/oneLine.
 */

/** How many characters of an id a terminal's table shows; every approvals command takes them. */
export const SHORT_ID_LENGTH = 8;

/** The subject as its kind has it (the API's union does not say which member a kind has). */
type SubjectOf = { plan: PlanSubject; tool_call: ToolCallSubject; result: ResultSubject; question: QuestionSubject };

function subjectOf<K extends keyof SubjectOf>(approval: Approval, kind: K): SubjectOf[K] | null {
  return approval.kind === kind ? (approval.subject as SubjectOf[K]) : null;
}

/** What the person is asked, on one line. */
export function subjectSummary(approval: Approval): string {
  const plan = subjectOf(approval, 'plan');
  if (plan) {
    const names = plan.subtasks.map((s) => (s.key === s.agent_type ? s.key : `${s.key} (${s.agent_type})`));
    return oneLine(`iteration ${plan.iteration}: ${plan.subtasks.length} subtask(s): ${names.join(', ')}`);
  }
  const call = subjectOf(approval, 'tool_call');
  if (call) return oneLine(`${call.tool}${call.side_effects ? ' [side effects]' : ''} ${JSON.stringify(call.arguments)} (${call.agent_type})`);
  const result = subjectOf(approval, 'result');
  if (result) return oneLine(`iteration ${result.iteration} draft: ${result.result.content}`);
  const question = subjectOf(approval, 'question');
  if (question) return oneLine(`${question.agent_type} asks: ${question.question}`);
  return oneLine(JSON.stringify(approval.subject));
}

export interface ApprovalsTableOptions {
  nowMs: number;
  /** The terminal's width: ids are shortened and the subject cut to fit. Unset (piped): all whole. */
  width?: number | undefined;
  /** Network names by id: a NETWORK column, for a list drawn from several networks. */
  networkNames?: ReadonlyMap<string, string>;
}

export function approvalsTable(approvals: Approval[], options: ApprovalsTableOptions): string {
  const id = (value: string) => (options.width !== undefined ? value.slice(0, SHORT_ID_LENGTH) : value);
  const names = options.networkNames;
  return formatTable(
    ['ID', 'KIND', 'STATUS', 'TASK', ...(names ? ['NETWORK'] : []), 'REQUESTED', 'EXPIRES', 'SUBJECT'],
    approvals.map((a) => [
      id(a.id),
      a.kind,
      a.status,
      id(a.task_id),
      ...(names ? [oneLine(names.get(a.network_id) ?? a.network_id, 40)] : []),
      formatRelative(a.requested_at, options.nowMs),
      a.status === 'pending' ? expiresIn(a, options.nowMs) : '-',
      oneLine(subjectSummary(a), 120),
    ]),
    { maxWidth: options.width, flexible: names ? [4, 7] : [6] },
  );
}

function expiresIn(approval: Approval, nowMs: number): string {
  return Date.parse(approval.expires_at) <= nowMs ? 'overdue' : formatRelative(approval.expires_at, nowMs);
}

export const APPROVAL_KIND_NAMES: Record<Approval['kind'], string> = { plan: 'plan', tool_call: 'tool call', result: 'result', question: 'question' };

/** What a person may send as `--edits`, by kind (questions take an answer instead). */
const EDITS_HINTS: Record<Approval['kind'], string | null> = {
  plan: '{"subtasks": [{"key", "agent_type", "description", "depends_on": [...]}, ...]} replaces the plan',
  tool_call: '{"arguments": {...}} replaces the arguments (they must fit the tool\'s input schema)',
  result: '{"content", "confidence"?, "explanation"?} replaces the result',
  question: null,
};

/** One request in full: what is asked, then what was decided or how to decide. */
export function approvalDetails(approval: Approval, style: Style, nowMs: number, width?: number): string {
  const lines = [
    `${style.bold('approval')} ${approval.id}  ${style.status(approval.status)}`,
    `${APPROVAL_KIND_NAMES[approval.kind]} of task ${approval.task_id} in network ${approval.network_id}`,
    `requested ${approval.requested_at} (${formatRelative(approval.requested_at, nowMs)})` +
      (approval.status === 'pending' ? `, expires ${approval.expires_at} (${expiresIn(approval, nowMs)})` : ''),
    '',
    ...subjectLines(approval, style, width),
    '',
    ...decisionLines(approval, style, nowMs),
  ];
  return lines.join('\n');
}

function subjectLines(approval: Approval, style: Style, width?: number): string[] {
  const plan = subjectOf(approval, 'plan');
  if (plan) {
    return [
      `${style.bold('plan')} for iteration ${plan.iteration}: ${plan.subtasks.length} subtask(s)`,
      ...(plan.reasoning ? [`reasoning: ${oneLine(plan.reasoning, 600)}`] : []),
      '',
      formatTable(
        ['KEY', 'AGENT', 'DEPENDS ON', 'DESCRIPTION'],
        plan.subtasks.map((s) => [oneLine(s.key, 40), oneLine(s.agent_type, 40), oneLine(s.depends_on.join(', ') || '-', 40), oneLine(s.description, 200)]),
        { maxWidth: width, flexible: [2, 3] },
      ),
    ];
  }
  const call = subjectOf(approval, 'tool_call');
  if (call) {
    return [
      `${style.bold('tool call')} ${oneLine(call.tool, 100)}  ${call.side_effects ? 'has side effects' : 'no side effects'}`,
      `asked by ${oneLine(call.agent_type, 40)} in subtask ${oneLine(call.subtask_key, 60)} (tool call ${call.tool_call_id})`,
      ...(call.description ? [`description: ${oneLine(call.description, 600)}`] : []),
      ...(call.reason ? [`reason: ${oneLine(call.reason, 600)}`] : []),
      '',
      style.bold('arguments'),
      indent(safeText(JSON.stringify(call.arguments, null, 2))),
    ];
  }
  const result = subjectOf(approval, 'result');
  if (result) {
    return [
      `${style.bold('result')} of iteration ${result.iteration} ${style.dim(`(confidence ${result.result.confidence.toFixed(2)})`)}`,
      '',
      safeText(result.result.content).trimEnd(),
      ...(result.result.explanation ? ['', style.dim(safeText(result.result.explanation).trimEnd())] : []),
    ];
  }
  const question = subjectOf(approval, 'question');
  if (question) {
    return [
      `${style.bold('question')} from ${oneLine(question.agent_type, 40)} in subtask ${oneLine(question.subtask_key, 60)}`,
      '',
      safeText(question.question).trimEnd(),
    ];
  }
  return [indent(safeText(JSON.stringify(approval.subject, null, 2)))];
}

function decisionLines(approval: Approval, style: Style, nowMs: number): string[] {
  if (approval.status === 'pending') {
    if (approval.kind === 'question') return [`Answer with: mesh approvals answer ${approval.id} "<answer>"`];
    const edits = EDITS_HINTS[approval.kind];
    return [
      'Decide with:',
      `  mesh approvals approve ${approval.id} [--comment <text>] [--edits <json> | --edits @file.json]`,
      `  mesh approvals reject ${approval.id} --comment <text>`,
      ...(edits ? [style.dim(`  --edits ${edits}`)] : []),
    ];
  }
  const when = approval.decided_at ? ` at ${approval.decided_at} (${formatRelative(approval.decided_at, nowMs)})` : '';
  const lines = [
    approval.status === 'expired'
      ? `${style.status('expired')}${when}: nobody decided in time, so it counts as rejected`
      : `${style.status(approval.status)} by ${oneLine(approval.decided_by ?? 'unknown', 200)}${when}`,
  ];
  if (approval.comment) lines.push(`comment: ${oneLine(approval.comment, 4000)}`);
  if (approval.answer) lines.push(`${style.bold('answer')}`, indent(safeText(approval.answer).trimEnd()));
  if (approval.edits !== null && approval.edits !== undefined) lines.push(`${style.bold('edits')}`, indent(safeText(JSON.stringify(approval.edits, null, 2))));
  return lines;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}

/** The line the live view prints when a person is asked: what, and the command that shows it. */
export function approvalRequestLine(approval: Approval): string {
  const show = `mesh approvals show ${approval.id}`;
  const plan = subjectOf(approval, 'plan');
  if (plan) return `A person is asked to approve the plan of iteration ${plan.iteration} (${plan.subtasks.length} subtask(s)): ${show}`;
  const call = subjectOf(approval, 'tool_call');
  if (call) return `A person is asked to approve ${oneLine(call.agent_type, 40)}'s call of ${oneLine(call.tool, 64)}: ${show}`;
  const result = subjectOf(approval, 'result');
  if (result) return `A person is asked to approve the result of iteration ${result.iteration}: ${show}`;
  const question = subjectOf(approval, 'question');
  if (question) return `${oneLine(question.agent_type, 40)} asks a person: "${oneLine(question.question, 120)}": ${show}`;
  return `A person is asked (${approval.kind}): ${show}`;
}

/** `tasks show` of a waiting task: its pending requests and how to see each. */
export function pendingApprovalsSection(approvals: Approval[], style: Style, nowMs: number): string[] {
  const pending = approvals.filter((a) => a.status === 'pending');
  if (pending.length === 0) return [];
  return [
    style.bold('waiting for a person'),
    ...pending.flatMap((a) => [`  ${APPROVAL_KIND_NAMES[a.kind]}, expires ${expiresIn(a, nowMs)}: ${oneLine(subjectSummary(a), 100)}`, `    mesh approvals show ${a.id}`]),
  ];
}

/** A network's or a task's approval settings on one line: `approvals: plan, result; requests expire after 3600 s`. */
export function approvalSettingsLine(settings: ApprovalSettings, timeoutSeconds: number): string {
  const asked = [
    ...(settings.plan ? ['plan'] : []),
    ...(settings.result ? ['result'] : []),
    ...(settings.tool_calls === 'all' ? ['all tool calls'] : settings.tool_calls === 'side_effects' ? ['tool calls with side effects'] : []),
    ...(settings.questions ? ["agents' questions"] : []),
  ];
  return `approvals: ${asked.join(', ') || 'none'}; requests expire after ${timeoutSeconds} s`;
}
