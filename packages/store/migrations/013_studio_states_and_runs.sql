-- The console as a studio (issue 18). Honest states: a subtask cut short because its task timed out or was cancelled says so
-- (timed_out, cancelled) instead of `skipped`, which now means only "never needed" (its task
-- failed, or a person rejected its plan).
ALTER TABLE subtasks DROP CONSTRAINT subtasks_status_check;
ALTER TABLE subtasks ADD CONSTRAINT subtasks_status_check
  CHECK (status IN ('pending', 'queued', 'in_progress', 'awaiting_approval', 'completed', 'failed', 'skipped', 'timed_out', 'cancelled'));

-- Find any run (GET /runs): a tenant's tasks across its networks, newest first.
CREATE INDEX tasks_tenant_created ON tasks (tenant_id, created_at DESC, id DESC);

-- The agent playground: one agent of a network on an ad-hoc input, run through the worker pool as
-- a one-subtask task whose result is that agent's answer (no coordinator call).
ALTER TABLE tasks ADD COLUMN playground boolean NOT NULL DEFAULT false;
