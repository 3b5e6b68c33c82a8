import { z } from 'zod';
import { MEMORY_TYPES, NETWORK_STATUSES, SUBTASK_STATUSES, TASK_STATUSES } from './statuses';

// The lists live in ./statuses (no zod) so that @mesh/client shares them; the enums are built from them.
export {
  APPROVAL_KINDS,
  APPROVAL_STATUSES,
  isTerminalSubtaskStatus,
  isTerminalTaskStatus,
  MEMORY_TYPES,
  NETWORK_STATUSES,
  SUBTASK_STATUSES,
  TASK_STATUSES,
  TERMINAL_SUBTASK_STATUSES,
  TERMINAL_TASK_STATUSES,
  type TerminalSubtaskStatus,
  type TerminalTaskStatus,
} from './statuses';

export const TaskStatus = z.enum(TASK_STATUSES);
export type TaskStatus = z.infer<typeof TaskStatus>;

export const SubtaskStatus = z.enum(SUBTASK_STATUSES);
export type SubtaskStatus = z.infer<typeof SubtaskStatus>;

export const MemoryType = z.enum(MEMORY_TYPES);
export type MemoryType = z.infer<typeof MemoryType>;

export const NetworkStatus = z.enum(NETWORK_STATUSES);
export type NetworkStatus = z.infer<typeof NetworkStatus>;
