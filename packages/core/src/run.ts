import { z } from 'zod';
import { cleanText } from './json';
import { TaskStatus } from './status';
import { Usage } from './task';

/*
 * Find any run: the tenant's tasks across its networks, newest first, filtered and searched
 * (GET /runs, the console's Runs page).
 */

const Instant = z.iso.datetime({ offset: true }).refine((v) => {
  const year = new Date(v).getUTCFullYear();
  return year >= 1970 && year <= 9999;
}, 'must be between the years 1970 and 9999 (UTC)');

const Cost = z.coerce.number().min(0).max(1e9);

export const RunListQuery = z
  .strictObject({
    status: TaskStatus.optional(),
    network_id: z.uuid().optional(),
    /** Tasks with at least one subtask of this agent type. */
    agent_type: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be an agent type: lowercase letters, digits, _ or -').optional(),
    /** Created at or after `from`, before `to`. */
    from: Instant.optional(),
    to: Instant.optional(),
    /** The task's model cost in USD, inclusive bounds. */
    min_cost_usd: Cost.optional(),
    max_cost_usd: Cost.optional(),
    /** Text search (case-insensitive substring) in the task's text, its result and its error. */
    q: cleanText({ min: 1, max: 200 }).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(25),
    offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  })
  .refine((q) => !q.from || !q.to || new Date(q.from).getTime() < new Date(q.to).getTime(), { message: 'from must be before to', path: ['from'] })
  .refine((q) => q.min_cost_usd === undefined || q.max_cost_usd === undefined || q.min_cost_usd <= q.max_cost_usd, {
    message: 'min_cost_usd must not be above max_cost_usd',
    path: ['min_cost_usd'],
  });
export type RunListQuery = z.infer<typeof RunListQuery>;

export const Run = z.object({
  id: z.uuid(),
  task_id: z.uuid(),
  network_id: z.uuid(),
  network_name: z.string(),
  task: z.string(),
  status: TaskStatus,
  priority: z.int(),
  iterations: z.int(),
  error: z.string().nullable(),
  usage: Usage,
  /** The agent types its subtasks ran on, sorted. */
  agent_types: z.array(z.string()),
  subtasks: z.int(),
  failed_subtasks: z.int(),
  created_at: z.string(),
  started_at: z.string().nullable(),
  completed_at: z.string().nullable(),
  /** From start to end (or to now while it runs); null before it starts. */
  duration_ms: z.int().nullable(),
});
export type Run = z.infer<typeof Run>;

export const RunList = z.object({ runs: z.array(Run), total: z.int(), limit: z.int(), offset: z.int() });
export type RunList = z.infer<typeof RunList>;
