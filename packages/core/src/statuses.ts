/**
 * The contract's status and type values as plain lists, without zod: ./status.ts builds its zod
 * enums from them, and @mesh/client (the CLI and the browser console) reads them through the
 * `@mesh/core/statuses` subpath, so neither loads zod. This file imports nothing.
 */

export const TASK_STATUSES = ['pending', 'queued', 'in_progress', 'awaiting_approval', 'completed', 'failed', 'timed_out', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

const TERMINAL_TASK = ['completed', 'failed', 'timed_out', 'cancelled'] as const satisfies readonly TaskStatus[];
export type TerminalTaskStatus = (typeof TERMINAL_TASK)[number];
/** Statuses a task never leaves. Typed as the wider list so `.includes(anyStatus)` type-checks. */
export const TERMINAL_TASK_STATUSES: readonly TaskStatus[] = TERMINAL_TASK;

export function isTerminalTaskStatus(status: string): status is TerminalTaskStatus {
  return (TERMINAL_TASK_STATUSES as readonly string[]).includes(status);
}

/** `timed_out` and `cancelled`: cut short when the task was; `skipped`: never needed (its task failed, or its plan was rejected). */
export const SUBTASK_STATUSES = ['pending', 'queued', 'in_progress', 'awaiting_approval', 'completed', 'failed', 'skipped', 'timed_out', 'cancelled'] as const;
export type SubtaskStatus = (typeof SUBTASK_STATUSES)[number];

const TERMINAL_SUBTASK = ['completed', 'failed', 'skipped', 'timed_out', 'cancelled'] as const satisfies readonly SubtaskStatus[];
export type TerminalSubtaskStatus = (typeof TERMINAL_SUBTASK)[number];
export const TERMINAL_SUBTASK_STATUSES: readonly SubtaskStatus[] = TERMINAL_SUBTASK;

export function isTerminalSubtaskStatus(status: string): status is TerminalSubtaskStatus {
  return (TERMINAL_SUBTASK_STATUSES as readonly string[]).includes(status);
}

/** Where a person is asked (see approval.ts). */
export const APPROVAL_KINDS = ['plan', 'tool_call', 'result', 'question'] as const;
export type ApprovalKind = (typeof APPROVAL_KINDS)[number];

/** `expired` counts as rejected: nobody decided within approval_timeout_seconds (or the task ended first). */
export const APPROVAL_STATUSES = ['pending', 'approved', 'rejected', 'answered', 'expired'] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

/** What a budget is counted over (UTC). */
export const BUDGET_PERIODS = ['day', 'month'] as const;
export type BudgetPeriod = (typeof BUDGET_PERIODS)[number];

/** At this share of a budget a `budget.warning` is told, once per period. */
export const BUDGET_WARNING_RATIO = 0.8;

/** How `GET /usage` groups its rows. */
export const USAGE_GROUPS = ['network', 'agent_type', 'model', 'day'] as const;
export type UsageGroup = (typeof USAGE_GROUPS)[number];

export const MEMORY_TYPES = ['fact', 'context', 'decision', 'feedback'] as const;
export type MemoryType = (typeof MEMORY_TYPES)[number];

export const NETWORK_STATUSES = ['active'] as const;
export type NetworkStatus = (typeof NETWORK_STATUSES)[number];
