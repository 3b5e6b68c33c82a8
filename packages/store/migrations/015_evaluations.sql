-- Evaluations (issue 20): a run of cases, each a task through the mesh whose result is scored by
-- the case's assertions and, optionally, a rubric a judge model scores.
CREATE TABLE eval_runs (
  id           uuid PRIMARY KEY,
  tenant_id    text NOT NULL,
  label        text,
  status       text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'completed')),
  created_at   timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz
);
CREATE INDEX eval_runs_tenant_created ON eval_runs (tenant_id, created_at DESC, id DESC);

-- One row per case of a run: the case as submitted (spec: task, context, assertions, rubric), the
-- task that ran it, and its score once scored. A network deleted takes its cases with it; a task
-- deleted leaves its case, which is then scored as an error.
CREATE TABLE eval_results (
  run_id      uuid NOT NULL REFERENCES eval_runs (id) ON DELETE CASCADE,
  case_id     text NOT NULL,
  position    integer NOT NULL,
  tenant_id   text NOT NULL,
  network_id  uuid NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
  task_id     uuid REFERENCES tasks (id) ON DELETE SET NULL,
  spec        jsonb NOT NULL,
  status      text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'scored', 'error')),
  score       double precision CHECK (score BETWEEN 0 AND 1),
  passed      boolean,
  assertions  jsonb NOT NULL DEFAULT '[]',
  rubric      jsonb,
  error       text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  scored_at   timestamptz,
  PRIMARY KEY (run_id, case_id)
);
-- A task's end finds its case (at most one).
CREATE UNIQUE INDEX eval_results_task ON eval_results (task_id) WHERE task_id IS NOT NULL;
-- The recovery sweeper's look for cases still owed a score.
CREATE INDEX eval_results_unscored ON eval_results (created_at) WHERE status IN ('pending', 'running');
