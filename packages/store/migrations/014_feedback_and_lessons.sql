-- People's feedback on finished tasks, and the lessons distilled from it.
--
-- Feedback on a subtask belongs to that subtask's agent type, feedback on the task to the
-- coordinator. Each item is also a shared-memory item of type `feedback` (memory_id), so that
-- retrieval finds it. `lesson_version` is the version of its agent type's lessons that distilled
-- it: NULL means not yet, which is what the distillation threshold counts.
CREATE TABLE feedback (
  id             uuid PRIMARY KEY,
  tenant_id      text NOT NULL,
  network_id     uuid NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
  task_id        uuid NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  subtask_id     uuid NULL REFERENCES subtasks (id) ON DELETE CASCADE,
  agent_type     text NOT NULL,
  rating         integer NOT NULL CHECK (rating BETWEEN 1 AND 5),
  comment        text NULL,
  correction     text NULL,
  memory_id      uuid NULL,
  lesson_version integer NULL,
  created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX feedback_task ON feedback (task_id, created_at);
CREATE INDEX feedback_agent_type ON feedback (network_id, agent_type, created_at);

-- Each agent type's lessons, versioned: the newest version is the current one. A person's edit
-- (`person`) is a version like a distillation (`distilled`); an empty list clears the lessons.
-- `lessons` is [{text, sources: [feedback ids]}].
CREATE TABLE agent_lessons (
  tenant_id  text NOT NULL,
  network_id uuid NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
  agent_type text NOT NULL,
  version    integer NOT NULL,
  source     text NOT NULL CHECK (source IN ('distilled', 'person')),
  lessons    jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (network_id, agent_type, version)
);
