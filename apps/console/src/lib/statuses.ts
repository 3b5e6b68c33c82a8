import type { SubtaskStatus, TaskStatus } from '@mesh/core';

/** The same lists as @mesh/core's (imported as types only, so zod stays out of the bundle). */
export const TASK_STATUSES: readonly TaskStatus[] = ['pending', 'queued', 'in_progress', 'completed', 'failed', 'timed_out', 'cancelled'];
export const TERMINAL_TASK_STATUSES: readonly TaskStatus[] = ['completed', 'failed', 'timed_out', 'cancelled'];
export const TERMINAL_SUBTASK_STATUSES: readonly SubtaskStatus[] = ['completed', 'failed', 'skipped'];
export const MEMORY_TYPES = ['fact', 'context', 'decision', 'feedback'] as const;

export function isTerminalTaskStatus(status: string): boolean {
  return (TERMINAL_TASK_STATUSES as readonly string[]).includes(status);
}
