/**
 * Rows built with to_jsonb/jsonb_agg (to load related rows in one round trip) come back with
 * timestamps as strings; the row types promise Dates.
 */
export function reviveDates<T>(value: T, keys: readonly string[]): T {
  const out = value as Record<string, unknown>;
  for (const key of keys) {
    const v = out[key];
    if (typeof v === 'string') out[key] = new Date(v);
  }
  return value;
}

export const TASK_DATES = ['deadline_at', 'requested_deadline_at', 'created_at', 'updated_at', 'started_at', 'completed_at', 'awaiting_since'] as const;
export const SUBTASK_DATES = ['created_at', 'started_at', 'finished_at'] as const;
