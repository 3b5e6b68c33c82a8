import { z } from 'zod';

/*
 * Over time: a tenant's throughput, latency, cost and failure rate per UTC day and per agent type
 * (GET /trends, the console's Over time page).
 */

const Instant = z.iso.datetime({ offset: true }).refine((v) => {
  const year = new Date(v).getUTCFullYear();
  return year >= 1970 && year <= 9999;
}, 'must be between the years 1970 and 9999 (UTC)');

/** Tasks created in [from, to); default: the last 14 UTC days, today included. At most 366 days. */
export const TrendQuery = z
  .strictObject({
    from: Instant.optional(),
    to: Instant.optional(),
    network_id: z.uuid().optional(),
  })
  .refine((q) => !q.from || !q.to || new Date(q.from).getTime() < new Date(q.to).getTime(), { message: 'from must be before to', path: ['from'] })
  .refine((q) => !q.from || !q.to || new Date(q.to).getTime() - new Date(q.from).getTime() <= 366 * 86_400_000, { message: 'at most 366 days', path: ['from'] });
export type TrendQuery = z.infer<typeof TrendQuery>;

/** What a group of tasks (or subtasks) did. */
const Outcomes = {
  completed: z.int(),
  failed: z.int(),
  timed_out: z.int(),
  cancelled: z.int(),
  /** failed + timed_out over those that ended (completed, failed, timed_out); cancelled ones are left out. Null when none ended. */
  failure_rate: z.number().nullable(),
  /** From start to end, of those that ended. Null when none did. */
  avg_duration_ms: z.int().nullable(),
  p95_duration_ms: z.int().nullable(),
  cost_usd: z.number(),
  tokens: z.int(),
};

export const TrendDay = z.object({
  /** UTC, YYYY-MM-DD: the day the tasks were created. Every day of the range has a row. */
  day: z.string(),
  /** Throughput: tasks created that day (and below, what became of them). */
  tasks: z.int(),
  ...Outcomes,
});
export type TrendDay = z.infer<typeof TrendDay>;

export const TrendAgentType = z.object({
  agent_type: z.string(),
  /** Subtasks of that type in the range's tasks. */
  subtasks: z.int(),
  ...Outcomes,
});
export type TrendAgentType = z.infer<typeof TrendAgentType>;

export const TrendReport = z.object({
  from: z.string(),
  to: z.string(),
  days: z.array(TrendDay),
  /** Per specialist agent type; the coordinator's own model cost is in the days' cost. */
  agent_types: z.array(TrendAgentType),
});
export type TrendReport = z.infer<typeof TrendReport>;
