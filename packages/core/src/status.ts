import { z } from 'zod';

export const TaskStatus = z.enum(['pending', 'queued', 'in_progress', 'completed', 'failed', 'timed_out', 'cancelled']);
export type TaskStatus = z.infer<typeof TaskStatus>;

/** Statuses a task never leaves. */
export const TERMINAL_TASK_STATUSES: readonly TaskStatus[] = ['completed', 'failed', 'timed_out', 'cancelled'];
/** Statuses of a task that has been started and not yet ended. */
export const ACTIVE_TASK_STATUSES: readonly TaskStatus[] = ['queued', 'in_progress'];

export function isTerminalTaskStatus(status: TaskStatus): boolean {
  return TERMINAL_TASK_STATUSES.includes(status);
}

export const SubtaskStatus = z.enum(['pending', 'queued', 'in_progress', 'completed', 'failed', 'skipped']);
export type SubtaskStatus = z.infer<typeof SubtaskStatus>;

export const TERMINAL_SUBTASK_STATUSES: readonly SubtaskStatus[] = ['completed', 'failed', 'skipped'];

export const MemoryType = z.enum(['fact', 'context', 'decision', 'feedback']);
export type MemoryType = z.infer<typeof MemoryType>;

export const NetworkStatus = z.enum(['active']);
export type NetworkStatus = z.infer<typeof NetworkStatus>;
