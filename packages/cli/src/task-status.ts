import type { TaskStatus } from '@mesh/core';

/**
 * Which task statuses are final. A record over @mesh/core's TaskStatus, so a status added there
 * fails the build here until it is placed; importing the runtime schemas instead would load zod
 * on every start of the CLI.
 */
const TERMINAL: Readonly<Record<TaskStatus, boolean>> = {
  pending: false,
  queued: false,
  in_progress: false,
  completed: true,
  failed: true,
  timed_out: true,
  cancelled: true,
};

export function isTerminalTaskStatus(status: TaskStatus): boolean {
  return TERMINAL[status];
}
