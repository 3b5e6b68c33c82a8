-- Tool calls, recorded before they run and when they end, and the emails send_email sent.
--
-- A retried subtask finds its calls by (subtask, position): completed ones are replayed, not run
-- again; one still `running` was in flight when its worker died and is repeated with the same
-- idempotency key. The unique constraint is what makes a position name one call, and its index
-- serves the subtask's reads (ordered by position). Rows go with their subtask, so deleting a
-- task or a network removes them. Secrets are never stored: results are scrubbed by the tool
-- layer before they are recorded, and request headers are not recorded at all.
CREATE TABLE tool_calls (
  id              uuid PRIMARY KEY,
  tenant_id       text NOT NULL,
  task_id         uuid NOT NULL,
  subtask_id      uuid NOT NULL REFERENCES subtasks (id) ON DELETE CASCADE,
  position        integer NOT NULL CHECK (position >= 0),
  round           integer NOT NULL CHECK (round >= 0),
  call_id         text NOT NULL,
  tool            text NOT NULL,
  arguments       jsonb NOT NULL DEFAULT '{}',
  idempotency_key text NOT NULL,
  side_effects    boolean NOT NULL,
  status          text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'completed', 'failed')),
  result          jsonb,
  error           text,
  started_at      timestamptz NOT NULL,
  finished_at     timestamptz,
  duration_ms     integer,
  UNIQUE (subtask_id, position)
);
CREATE INDEX tool_calls_task ON tool_calls (task_id);

-- send_email's own record, by Message-ID (derived from the call's idempotency key): written as
-- soon as the SMTP server accepts a message, so a repeated call sends nothing.
CREATE TABLE sent_emails (
  message_id      text PRIMARY KEY,
  tenant_id       text NOT NULL,
  idempotency_key text NOT NULL,
  accepted        jsonb NOT NULL DEFAULT '[]',
  rejected        jsonb NOT NULL DEFAULT '[]',
  response        text NOT NULL DEFAULT '',
  sent_at         timestamptz NOT NULL
);
