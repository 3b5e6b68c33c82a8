-- Human in the loop: approvals and questions that wait in Postgres, with no job and no process held.
--
-- A network says where a person is asked (`approvals`) and how long a request waits
-- (`approval_timeout_seconds`); a task keeps the settings it was submitted with (the network's,
-- with the task's overrides on top), so a change to the network does not change a running task.
ALTER TABLE networks
  ADD COLUMN approvals jsonb NOT NULL DEFAULT '{"plan": false, "tool_calls": "none", "result": false, "questions": false}',
  ADD COLUMN approval_timeout_seconds integer NOT NULL DEFAULT 86400 CHECK (approval_timeout_seconds > 0);

-- `awaiting_since` is set while the task waits for a person: the time until it resumes is added to
-- its deadline (waiting does not count against timeout_seconds), and `waited_ms` sums it.
-- `human_feedback` keeps what people said when they rejected a plan or a result; the coordinator
-- sees it in the iterations that follow.
ALTER TABLE tasks
  ADD COLUMN approvals jsonb NOT NULL DEFAULT '{"plan": false, "tool_calls": "none", "result": false, "questions": false}',
  ADD COLUMN approval_timeout_seconds integer NOT NULL DEFAULT 86400,
  ADD COLUMN awaiting_since timestamptz,
  ADD COLUMN waited_ms bigint NOT NULL DEFAULT 0,
  ADD COLUMN human_feedback jsonb NOT NULL DEFAULT '[]';
ALTER TABLE tasks DROP CONSTRAINT tasks_status_check;
ALTER TABLE tasks ADD CONSTRAINT tasks_status_check
  CHECK (status IN ('pending', 'queued', 'in_progress', 'awaiting_approval', 'completed', 'failed', 'timed_out', 'cancelled'));

ALTER TABLE subtasks DROP CONSTRAINT subtasks_status_check;
ALTER TABLE subtasks ADD CONSTRAINT subtasks_status_check
  CHECK (status IN ('pending', 'queued', 'in_progress', 'awaiting_approval', 'completed', 'failed', 'skipped'));

ALTER TABLE tool_calls DROP CONSTRAINT tool_calls_status_check;
ALTER TABLE tool_calls ADD CONSTRAINT tool_calls_status_check
  CHECK (status IN ('running', 'completed', 'failed', 'awaiting_approval', 'approved', 'rejected'));

-- One row per question put to a person. `key` names what is asked within the task (the plan of
-- iteration 2, the tool call at position 3 of a subtask, …): a re-delivered job that asks again
-- finds the row it wrote. A decision is one guarded UPDATE (`WHERE status = 'pending'`), so of two
-- API replicas deciding at once exactly one wins; the continuation job is keyed by the approval.
CREATE TABLE approvals (
  id           uuid PRIMARY KEY,
  tenant_id    text NOT NULL,
  network_id   uuid NOT NULL,
  task_id      uuid NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  subtask_id   uuid REFERENCES subtasks (id) ON DELETE CASCADE,
  tool_call_id uuid REFERENCES tool_calls (id) ON DELETE CASCADE,
  key          text NOT NULL,
  kind         text NOT NULL CHECK (kind IN ('plan', 'tool_call', 'result', 'question')),
  subject      jsonb NOT NULL,
  status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected', 'answered', 'expired')),
  requested_at timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  decided_at   timestamptz,
  decided_by   text,
  comment      text,
  edits        jsonb,
  answer       text,
  -- Set when the continuation has taken the decision into account (the subtask was dispatched
  -- again, the plan dispatched or replaced, the task completed or planned again).
  resumed_at   timestamptz,
  -- The wave job that runs a resumed tool call's subtask again (the recovery sweeper checks it).
  resume_job_id text,
  UNIQUE (task_id, key)
);
CREATE INDEX approvals_network_status ON approvals (network_id, status, requested_at DESC);
CREATE INDEX approvals_pending_expiry ON approvals (expires_at) WHERE status = 'pending';
CREATE INDEX approvals_unresumed ON approvals (decided_at) WHERE status <> 'pending' AND resumed_at IS NULL;
