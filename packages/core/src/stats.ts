import { z } from 'zod';

/*
 * Stats of one network over a recent window (GET /networks/{id}/stats, `mesh stats`): per agent
 * type and per model what the subtasks did, what people rated them and what the models cost; and
 * the track record the coordinator plans with (the same numbers per specialist, last 30 days).
 */

const WINDOW_PATTERN = /^\d+[hd]$/;
const HOUR_MS = 3_600_000;
/** The longest window: 90 days. */
export const MAX_STATS_WINDOW_MS = 90 * 24 * HOUR_MS;

/** A window's length in milliseconds: `<n>h` or `<n>d`. */
export function statsWindowMs(window: string): number {
  const n = Number(window.slice(0, -1));
  return window.endsWith('d') ? n * 24 * HOUR_MS : n * HOUR_MS;
}

export const StatsWindow = z
  .string()
  .regex(WINDOW_PATTERN, 'must be <n>h or <n>d, e.g. 24h or 7d')
  .refine((w) => statsWindowMs(w) >= HOUR_MS && statsWindowMs(w) <= MAX_STATS_WINDOW_MS, 'must be from 1h to 90d');
export type StatsWindow = z.infer<typeof StatsWindow>;

export const StatsQuery = z.strictObject({
  /** The window ending now; default 7d. */
  window: StatsWindow.default('7d'),
});
export type StatsQuery = z.infer<typeof StatsQuery>;

/** What a group of subtasks (an agent type's, a model's, the network's) came to in the window. */
const StatColumns = {
  /** Subtasks that finished in the window (or, not finished, were created in it). */
  subtasks: z.int(),
  completed: z.int(),
  failed: z.int(),
  /** Of the completed ones; null when none completed. */
  mean_confidence: z.number().nullable(),
  /** People's ratings (1 to 5) given in the window; null when there were none. */
  mean_rating: z.number().nullable(),
  ratings: z.int(),
  /** From start to finish, of the subtasks that completed or failed; null when none did. */
  p50_duration_ms: z.int().nullable(),
  p95_duration_ms: z.int().nullable(),
  /** Of the model calls made in the window. */
  input_tokens: z.int(),
  output_tokens: z.int(),
  cost_usd: z.number(),
};

export const StatRow = z.object(StatColumns);
export type StatRow = z.infer<typeof StatRow>;

export const StatsAgentType = z.object({ agent_type: z.string(), ...StatColumns });
export type StatsAgentType = z.infer<typeof StatsAgentType>;

export const StatsModel = z.object({ model: z.string(), ...StatColumns });
export type StatsModel = z.infer<typeof StatsModel>;

export const StatsTotals = z.object({ ...StatColumns, /** Tasks created in the window. */ tasks: z.int() });
export type StatsTotals = z.infer<typeof StatsTotals>;

export const StatsReport = z.object({
  network_id: z.string(),
  window: z.string(),
  from: z.string(),
  to: z.string(),
  totals: StatsTotals,
  /** The coordinator's row carries its own model calls (those of no subtask) and the ratings of whole tasks. */
  agent_types: z.array(StatsAgentType),
  models: z.array(StatsModel),
});
export type StatsReport = z.infer<typeof StatsReport>;

/** How a specialist has done lately (30 days), as the coordinator sees it when it plans. */
export const TrackRecord = z.object({
  /** Subtasks that completed or failed. */
  subtasks: z.int(),
  /** Completed over completed plus failed, 0 to 1. */
  success_rate: z.number(),
  mean_rating: z.number().nullable(),
  /** The median time from start to finish, in milliseconds. */
  typical_duration_ms: z.int().nullable(),
});
export type TrackRecord = z.infer<typeof TrackRecord>;

/** The window a track record covers. */
export const TRACK_RECORD_WINDOW_MS = 30 * 24 * HOUR_MS;
