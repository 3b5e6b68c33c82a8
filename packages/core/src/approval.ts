import { z } from 'zod';
import { APPROVAL_KINDS, APPROVAL_STATUSES } from './statuses';
import { cleanText } from './json';
import { PlannedSubtask, PLAN_LIMITS } from './model-output';

/*
 * Human in the loop: where a person is asked (a network's and a task's `approvals`), what they
 * are asked (an approval and its subject), and what they answer (a decision).
 */

export const ApprovalKind = z.enum(APPROVAL_KINDS);
export type ApprovalKind = z.infer<typeof ApprovalKind>;

export const ApprovalStatus = z.enum(APPROVAL_STATUSES);
export type ApprovalStatus = z.infer<typeof ApprovalStatus>;

export const APPROVAL_LIMITS = { maxTimeoutSeconds: 30 * 86_400, defaultTimeoutSeconds: 86_400, maxCommentLength: 4_000, maxAnswerLength: 20_000 } as const;

/** Which tool calls wait for a person: none, the side-effecting ones, or all (a tool's own `requires_approval` always does). */
export const ToolCallApprovalPolicy = z.enum(['none', 'side_effects', 'all']);
export type ToolCallApprovalPolicy = z.infer<typeof ToolCallApprovalPolicy>;

/** Where a network asks a person; all off by default. */
export const ApprovalSettings = z.strictObject({
  /** The coordinator's plan, before any subtask of an iteration is dispatched. */
  plan: z.boolean().default(false),
  tool_calls: ToolCallApprovalPolicy.default('none'),
  /** The final result, before the task completes and its webhook fires. */
  result: z.boolean().default(false),
  /** Agents may ask a person with the built-in ask_human tool. */
  questions: z.boolean().default(false),
});
export type ApprovalSettings = z.infer<typeof ApprovalSettings>;

export const NO_APPROVALS: ApprovalSettings = { plan: false, tool_calls: 'none', result: false, questions: false };

/** A task's narrowing or widening of its network's settings: only what it names changes. */
export const ApprovalOverrides = z.strictObject({
  plan: z.boolean().optional(),
  tool_calls: ToolCallApprovalPolicy.optional(),
  result: z.boolean().optional(),
  questions: z.boolean().optional(),
});
export type ApprovalOverrides = z.infer<typeof ApprovalOverrides>;

export const ApprovalTimeoutSeconds = z.int().min(1).max(APPROVAL_LIMITS.maxTimeoutSeconds);

/** Whether a call of `tool` waits for a person under `policy`. */
export function toolCallNeedsApproval(tool: { side_effects: boolean; requires_approval: boolean }, policy: ToolCallApprovalPolicy): boolean {
  return tool.requires_approval || policy === 'all' || (policy === 'side_effects' && tool.side_effects);
}

/** What the person judges, by kind. */
export const PlanSubject = z.object({ iteration: z.int(), reasoning: z.string(), subtasks: z.array(PlannedSubtask) });
export const ToolCallSubject = z.object({
  subtask_key: z.string(),
  agent_type: z.string(),
  tool: z.string(),
  description: z.string(),
  side_effects: z.boolean(),
  input_schema: z.record(z.string(), z.unknown()),
  arguments: z.record(z.string(), z.unknown()),
  /** What the model said in the turn that asked for the call. */
  reason: z.string(),
  tool_call_id: z.uuid(),
});
export const ResultSubject = z.object({
  iteration: z.int(),
  result: z.object({ content: z.string(), confidence: z.number(), explanation: z.string() }),
});
export const QuestionSubject = z.object({ subtask_key: z.string(), agent_type: z.string(), question: z.string(), tool_call_id: z.uuid() });
export type PlanSubject = z.infer<typeof PlanSubject>;
export type ToolCallSubject = z.infer<typeof ToolCallSubject>;
export type ResultSubject = z.infer<typeof ResultSubject>;
export type QuestionSubject = z.infer<typeof QuestionSubject>;

export const Approval = z.object({
  id: z.uuid(),
  approval_id: z.uuid(),
  network_id: z.uuid(),
  task_id: z.uuid(),
  subtask_id: z.uuid().nullable(),
  kind: ApprovalKind,
  subject: z.union([PlanSubject, ToolCallSubject, ResultSubject, QuestionSubject]),
  status: ApprovalStatus,
  requested_at: z.string(),
  expires_at: z.string(),
  decided_at: z.string().nullable(),
  decided_by: z.string().nullable(),
  comment: z.string().nullable(),
  edits: z.unknown().nullable(),
  answer: z.string().nullable(),
});
export type Approval = z.infer<typeof Approval>;

export const ApprovalList = z.object({ approvals: z.array(Approval) });
export type ApprovalList = z.infer<typeof ApprovalList>;

export const ApprovalListQuery = z.strictObject({
  status: ApprovalStatus.optional(),
  kind: ApprovalKind.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type ApprovalListQuery = z.infer<typeof ApprovalListQuery>;

/** Edits a person may make, by kind: the plan's subtasks, a tool call's arguments, the result. */
export const PlanEdits = z.strictObject({ subtasks: z.array(PlannedSubtask).min(1).max(PLAN_LIMITS.maxSubtasks) });
export const ToolCallEdits = z.strictObject({ arguments: z.record(z.string(), z.unknown()) });
export const ResultEdits = z.strictObject({
  content: z.string().min(1).max(200_000),
  confidence: z.number().min(0).max(1).optional(),
  explanation: z.string().max(20_000).optional(),
});
export type PlanEdits = z.infer<typeof PlanEdits>;
export type ToolCallEdits = z.infer<typeof ToolCallEdits>;
export type ResultEdits = z.infer<typeof ResultEdits>;

/** Who decides, as the client names them (recorded with the tenant of the key that was used). */
const DecidedBy = cleanText({ min: 1, max: 200 }).optional();

/** `POST …/approvals/{approval_id}`: approve or reject (optionally with edits), or answer a question. */
export const DecideApprovalBody = z.union([
  z.strictObject({
    decision: z.enum(['approve', 'reject']),
    comment: cleanText({ max: APPROVAL_LIMITS.maxCommentLength }).optional(),
    edits: z.record(z.string(), z.unknown()).optional(),
    decided_by: DecidedBy,
  }),
  z.strictObject({ answer: cleanText({ min: 1, max: APPROVAL_LIMITS.maxAnswerLength }), decided_by: DecidedBy }),
]);
export type DecideApprovalBody = z.infer<typeof DecideApprovalBody>;

/** A decision as the store applies it, edits already validated for the approval's kind. */
export type ApprovalDecision =
  | { status: 'approved'; comment: string | null; edits: PlanEdits | ToolCallEdits | ResultEdits | null; decidedBy: string }
  | { status: 'rejected'; comment: string | null; decidedBy: string }
  | { status: 'answered'; answer: string; decidedBy: string };

/** A person's feedback the coordinator sees in the iterations after a rejection. */
export const HumanFeedback = z.object({ kind: z.enum(['plan', 'result']), iteration: z.int(), status: z.enum(['rejected', 'expired']), comment: z.string() });
export type HumanFeedback = z.infer<typeof HumanFeedback>;
