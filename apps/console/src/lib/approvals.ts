import type { Approval, ApprovalSettings, PlanEdits, PlanSubject, QuestionSubject, ResultEdits, ResultSubject, Task, ToolCallEdits, ToolCallSubject } from '@mesh/core';

/**
 * What the console shows of requests for a person (approvals): each kind's subject, a one-line
 * summary for the inbox, and the edits a person types, parsed before they are sent (the API checks
 * them again and answers 400 with what does not fit).
 */

/** An approval's subject, told apart by its kind (the API's subject is a union without a tag). */
export type ApprovalSubjectView =
  | { kind: 'plan'; subject: PlanSubject }
  | { kind: 'tool_call'; subject: ToolCallSubject }
  | { kind: 'result'; subject: ResultSubject }
  | { kind: 'question'; subject: QuestionSubject };

export function subjectOf(approval: Pick<Approval, 'kind' | 'subject'>): ApprovalSubjectView {
  switch (approval.kind) {
    case 'plan':
      return { kind: 'plan', subject: approval.subject as PlanSubject };
    case 'tool_call':
      return { kind: 'tool_call', subject: approval.subject as ToolCallSubject };
    case 'result':
      return { kind: 'result', subject: approval.subject as ResultSubject };
    case 'question':
      return { kind: 'question', subject: approval.subject as QuestionSubject };
    default: {
      const unknownKind: never = approval.kind;
      throw new Error(`unknown approval kind ${String(unknownKind)}`);
    }
  }
}

export const APPROVAL_KIND_LABELS: Readonly<Record<Approval['kind'], string>> = {
  plan: 'plan',
  tool_call: 'tool call',
  result: 'result',
  question: 'question',
};

/** Characters of a summary; the inbox keeps each request to one line. */
export const MAX_SUMMARY_CHARS = 140;

function oneLine(text: string, max = MAX_SUMMARY_CHARS): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** One line saying what the person is asked about. */
export function summarizeApproval(approval: Pick<Approval, 'kind' | 'subject'>): string {
  const view = subjectOf(approval);
  switch (view.kind) {
    case 'plan': {
      const { subtasks, iteration } = view.subject;
      const agents = [...new Set(subtasks.map((s) => s.agent_type))].join(', ');
      return oneLine(`Plan of iteration ${iteration}: ${subtasks.length} subtask${subtasks.length === 1 ? '' : 's'} (${agents})`);
    }
    case 'tool_call': {
      const { agent_type, tool, side_effects } = view.subject;
      return oneLine(`${agent_type} calls ${tool}${side_effects ? ' (side effects)' : ''} with ${JSON.stringify(view.subject.arguments)}`);
    }
    case 'result':
      return oneLine(`Result of iteration ${view.subject.iteration}: ${view.subject.result.content}`);
    case 'question':
      return oneLine(`${view.subject.agent_type} asks: ${view.subject.question}`);
  }
}

/** Whether a task (or network) with these settings asks a person anywhere (core's own check needs zod, which the console does not load). */
export function asksForApproval(settings: ApprovalSettings): boolean {
  return settings.plan || settings.result || settings.questions || settings.tool_calls !== 'none';
}

/** Where a task asks a person, as words: "plan, side-effecting tool calls, result", or "nowhere". */
export function describeApprovalSettings(settings: ApprovalSettings): string {
  const asked: string[] = [];
  if (settings.plan) asked.push('plan');
  if (settings.tool_calls === 'all') asked.push('every tool call');
  if (settings.tool_calls === 'side_effects') asked.push('side-effecting tool calls');
  if (settings.result) asked.push('result');
  if (settings.questions) asked.push('agents may ask questions');
  return asked.length > 0 ? asked.join(', ') : 'nowhere';
}

/**
 * What changes in a task when one of its requests is made or decided: its status (it waits, or
 * goes on), its iteration, and its subtasks' and tool calls' statuses (a parked subtask, a call
 * awaiting approval). The task page reads the task's requests again when this changes.
 */
export function approvalWatchKey(task: Pick<Task, 'status' | 'iterations' | 'awaiting_since' | 'subtasks'>): string {
  const subtasks = (task.subtasks ?? []).map((s) => `${s.id}:${s.status}:${(s.tool_calls ?? []).map((c) => c.status).join(',')}`);
  return [task.status, task.iterations, task.awaiting_since ?? '', ...subtasks].join('|');
}

/** A pending request whose time is up: the API expires it at the next decision or sweep. */
export function isOverdue(approval: Pick<Approval, 'status' | 'expires_at'>, nowMs: number): boolean {
  return approval.status === 'pending' && Date.parse(approval.expires_at) <= nowMs;
}

/** The text a person starts editing from: the plan's subtasks or the call's arguments as indented JSON, the draft's content. */
export function editableText(view: ApprovalSubjectView): string {
  switch (view.kind) {
    case 'plan':
      return JSON.stringify(view.subject.subtasks, null, 2);
    case 'tool_call':
      return JSON.stringify(view.subject.arguments, null, 2);
    case 'result':
      return view.subject.result.content;
    case 'question':
      return '';
  }
}

/** Thrown for edits that cannot be sent at all (not JSON, not the right shape); the message says what to fix. */
export class EditsError extends Error {
  override name = 'EditsError';
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new EditsError(`The ${what} are not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A plan's edited subtasks: a JSON array of `{key, agent_type, description, depends_on}` (or the API's `{"subtasks": [...]}`). */
export function parsePlanEdits(text: string): PlanEdits {
  const parsed = parseJson(text, 'subtasks');
  const value = isObject(parsed) && Array.isArray(parsed.subtasks) ? parsed.subtasks : parsed;
  if (!Array.isArray(value) || value.length === 0) throw new EditsError('The subtasks must be a non-empty JSON array of {"key", "agent_type", "description", "depends_on"}');
  if (!value.every(isObject)) throw new EditsError('Each subtask must be a JSON object {"key", "agent_type", "description", "depends_on"}');
  return { subtasks: value as PlanEdits['subtasks'] };
}

/** A tool call's edited arguments (a JSON object). */
export function parseToolCallEdits(text: string): ToolCallEdits {
  const value = parseJson(text, 'arguments');
  if (!isObject(value)) throw new EditsError('The arguments must be a JSON object, e.g. {"to": "a@example.com"}');
  return { arguments: value };
}

/** A result's edited content; confidence and explanation stay the draft's. */
export function parseResultEdits(text: string): ResultEdits {
  if (!text.trim()) throw new EditsError('The edited result is empty');
  return { content: text };
}

/** The edits for an approval of `view`'s kind from what the person typed. */
export function parseEdits(view: ApprovalSubjectView, text: string): PlanEdits | ToolCallEdits | ResultEdits {
  switch (view.kind) {
    case 'plan':
      return parsePlanEdits(text);
    case 'tool_call':
      return parseToolCallEdits(text);
    case 'result':
      return parseResultEdits(text);
    case 'question':
      throw new EditsError('A question takes an answer, not edits');
  }
}
