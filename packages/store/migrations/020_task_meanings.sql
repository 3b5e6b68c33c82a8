-- A task's meaning, encoded once. The coordinator encodes the task's text to search memory by
-- meaning when it plans, and keeps the vector here; the task's subtasks (in worker processes,
-- where the local encoder is the costliest step of a subtask) and its later iterations search by
-- the same vector instead of encoding the text again. `model` is the embedding space the vector
-- belongs to: after the network changes its model, the text is encoded again.
CREATE TABLE task_meanings (
  task_id   uuid PRIMARY KEY REFERENCES tasks (id) ON DELETE CASCADE,
  tenant_id text NOT NULL,
  model     text NOT NULL,
  vector    bytea NOT NULL
);
