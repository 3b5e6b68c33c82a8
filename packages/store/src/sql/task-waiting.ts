/** A task starting to wait for people (an UPDATE … SET list); a task already waiting keeps when it began. */
export const START_WAITING = `status = 'awaiting_approval', awaiting_since = coalesce(awaiting_since, now()), updated_at = now()`;

/**
 * A task leaving `awaiting_approval` (going on, or completing with an approved result): the time
 * it waited for people is added to `waited_ms` and `awaiting_since` cleared. Used in a task's
 * UPDATE … SET list.
 */
export const END_WAITING = `waited_ms = waited_ms + CASE WHEN awaiting_since IS NULL THEN 0 ELSE (extract(epoch FROM now() - awaiting_since) * 1000)::bigint END,
       awaiting_since = NULL`;
