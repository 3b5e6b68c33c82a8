import {
  COORDINATOR_TYPE,
  findPlanProblems,
  normalisePlan,
  PlanEdits,
  ResultEdits,
  ToolCallEdits,
  ValidationError,
  type ApprovalDecision,
  type DecideApprovalBody,
  type ErrorDetail,
  type ToolCallSubject,
} from '@mesh/core';
import type { ApprovalRow } from '@mesh/store';
import type { ZodType } from 'zod';
import type { ApiDeps } from './api-deps';

/**
 * A person's answer, checked against what they are answering: a question takes an answer, the
 * rest approve or reject; edits must be what the kind allows and must hold — a plan's subtasks
 * follow the rules a model's plan follows, a tool call's arguments its tool's input schema, a
 * result has content. Anything else is a 400 and nothing changes.
 */
export async function checkedDecision(deps: ApiDeps, approval: ApprovalRow, body: DecideApprovalBody, decidedBy: string): Promise<ApprovalDecision> {
  if ('answer' in body) {
    if (approval.kind !== 'question') throw new ValidationError(`An answer is for a question; this approval is a ${approval.kind}: decide "approve" or "reject"`, [{ path: 'answer', message: 'not a question' }]);
    return { status: 'answered', answer: body.answer, decidedBy };
  }
  if (approval.kind === 'question') throw new ValidationError('A question takes an answer: {"answer": "..."}', [{ path: 'decision', message: 'answer the question instead' }]);
  const comment = body.comment ?? null;
  if (body.decision === 'reject') {
    if (body.edits) throw new ValidationError('Edits go with an approval, not a rejection', [{ path: 'edits', message: 'only with "approve"' }]);
    return { status: 'rejected', comment, decidedBy };
  }
  if (!body.edits) return { status: 'approved', comment, edits: null, decidedBy };
  switch (approval.kind) {
    case 'plan': {
      const edits = parseEdits(PlanEdits, body.edits);
      const agents = await deps.store.agents.byType(approval.tenant_id, approval.network_id);
      const specialists = new Set([...agents.keys()].filter((type) => type !== COORDINATOR_TYPE));
      const subtasks = normalisePlan(edits.subtasks);
      const problems = findPlanProblems(subtasks, specialists);
      if (problems.length > 0) throw new ValidationError('The edited plan cannot run', problems.map((message) => ({ path: 'edits.subtasks', message })));
      return { status: 'approved', comment, edits: { subtasks }, decidedBy };
    }
    case 'tool_call': {
      const edits = parseEdits(ToolCallEdits, body.edits);
      const subject = approval.subject as ToolCallSubject;
      const check = deps.tools.validator.validate(subject.input_schema, edits.arguments);
      if (!check.ok) throw new ValidationError(`The edited arguments do not fit ${subject.tool}'s input schema`, check.errors.map((message) => ({ path: 'edits.arguments', message })));
      return { status: 'approved', comment, edits, decidedBy };
    }
    case 'result':
      return { status: 'approved', comment, edits: parseEdits(ResultEdits, body.edits), decidedBy };
    default: {
      const unreachable: never = approval.kind;
      throw new Error(`unknown approval kind ${String(unreachable)}`);
    }
  }
}

function parseEdits<T>(schema: ZodType<T>, edits: unknown): T {
  const parsed = schema.safeParse(edits);
  if (parsed.success) return parsed.data;
  const details: ErrorDetail[] = parsed.error.issues.map((issue) => ({ path: ['edits', ...issue.path.map(String)].join('.'), message: issue.message }));
  throw new ValidationError('The edits do not fit this kind of approval', details);
}
