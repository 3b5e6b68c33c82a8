-- Agent Mesh schema, version 1. Applied inside the schema named by MESH_DB_SCHEMA
-- (search_path is set by the migrator). Every row carries tenant_id.

CREATE TABLE networks (
  id              uuid PRIMARY KEY,
  tenant_id       text NOT NULL,
  name            text NOT NULL,
  description     text NOT NULL DEFAULT '',
  status          text NOT NULL DEFAULT 'active' CHECK (status IN ('active')),
  max_iterations  integer NOT NULL CHECK (max_iterations > 0),
  timeout_seconds integer NOT NULL CHECK (timeout_seconds > 0),
  shared_context  jsonb NOT NULL DEFAULT '{}',
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX networks_tenant_created ON networks (tenant_id, created_at DESC, id);

CREATE TABLE agents (
  id           uuid PRIMARY KEY,
  tenant_id    text NOT NULL,
  network_id   uuid NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
  name         text NOT NULL,
  type         text NOT NULL,
  model        text,
  description  text NOT NULL DEFAULT '',
  parameters   jsonb NOT NULL,
  capabilities jsonb NOT NULL DEFAULT '[]',
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX agents_network ON agents (network_id, created_at);
-- One agent per type in a network: the type names the worker queue that serves it, and this
-- also keeps a network to one coordinator (the repository guards "at least one").
CREATE UNIQUE INDEX agents_network_type ON agents (network_id, type);
CREATE INDEX agents_type ON agents (type);

CREATE TABLE tasks (
  id              uuid PRIMARY KEY,
  tenant_id       text NOT NULL,
  network_id      uuid NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
  task            text NOT NULL,
  context         jsonb NOT NULL DEFAULT '{}',
  priority        integer NOT NULL CHECK (priority BETWEEN 1 AND 10),
  status          text NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'queued', 'in_progress', 'completed', 'failed', 'timed_out', 'cancelled')),
  iterations      integer NOT NULL DEFAULT 0,
  max_iterations  integer NOT NULL,
  timeout_seconds integer NOT NULL,
  result          jsonb,
  error           text,
  safety          jsonb,
  simulated       boolean NOT NULL DEFAULT false,
  deadline_at     timestamptz,
  requested_deadline_at timestamptz,
  trace_id        text,
  callback_url    text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  started_at      timestamptz,
  completed_at    timestamptz
);
CREATE INDEX tasks_network_created ON tasks (network_id, created_at DESC, id DESC);
CREATE INDEX tasks_tenant_status ON tasks (tenant_id, status);
CREATE INDEX tasks_unfinished ON tasks (status, updated_at) WHERE status IN ('queued', 'in_progress');

CREATE TABLE subtasks (
  id          uuid PRIMARY KEY,
  tenant_id   text NOT NULL,
  network_id  uuid NOT NULL,
  task_id     uuid NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  iteration   integer NOT NULL,
  key         text NOT NULL,
  agent_type  text NOT NULL,
  agent_id    uuid,
  description text NOT NULL,
  depends_on  text[] NOT NULL DEFAULT '{}',
  status      text NOT NULL DEFAULT 'pending'
              CHECK (status IN ('pending', 'queued', 'in_progress', 'completed', 'failed', 'skipped')),
  result      text,
  confidence  real,
  reasoning   text,
  model       text,
  attempts    integer NOT NULL DEFAULT 0,
  worker_id   text,
  error       text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  started_at  timestamptz,
  finished_at timestamptz,
  -- A plan is persisted idempotently: a re-delivered step cannot create a second copy.
  UNIQUE (task_id, iteration, key)
);
CREATE INDEX subtasks_unfinished ON subtasks (status, created_at) WHERE status IN ('pending', 'queued', 'in_progress');

CREATE TABLE memory_items (
  id                uuid PRIMARY KEY,
  tenant_id         text NOT NULL,
  network_id        uuid NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
  memory_type       text NOT NULL CHECK (memory_type IN ('fact', 'context', 'decision', 'feedback')),
  content           text NOT NULL,
  confidence        real NOT NULL DEFAULT 1,
  importance        real NOT NULL DEFAULT 1,
  metadata          jsonb NOT NULL DEFAULT '{}',
  source_kind       text NOT NULL DEFAULT 'api' CHECK (source_kind IN ('api', 'agent', 'coordinator')),
  source_task_id    uuid,
  source_subtask_id uuid,
  source_agent_id   uuid,
  -- Same content (ignoring case and white space) is stored once per network.
  content_hash      text GENERATED ALWAYS AS (md5(lower(regexp_replace(btrim(content), '\s+', ' ', 'g')))) STORED,
  search            tsvector GENERATED ALWAYS AS (to_tsvector('english', content)) STORED,
  token_estimate    integer GENERATED ALWAYS AS (length(content) / 4 + 1) STORED,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  UNIQUE (network_id, content_hash)
);
CREATE INDEX memory_items_search ON memory_items USING gin (search);
CREATE INDEX memory_items_network_created ON memory_items (network_id, created_at DESC);

CREATE TABLE llm_calls (
  id             bigserial PRIMARY KEY,
  tenant_id      text,
  network_id     uuid,
  task_id        uuid,
  subtask_id     uuid,
  purpose        text,
  provider       text NOT NULL,
  model          text NOT NULL,
  chain_position integer NOT NULL,
  attempt        integer NOT NULL,
  latency_ms     integer NOT NULL,
  input_tokens   integer NOT NULL DEFAULT 0,
  output_tokens  integer NOT NULL DEFAULT 0,
  cost_usd       numeric(14, 6) NOT NULL DEFAULT 0,
  outcome        text NOT NULL,
  error_class    text,
  created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX llm_calls_task ON llm_calls (task_id) WHERE task_id IS NOT NULL;

CREATE TABLE api_keys (
  id         uuid PRIMARY KEY,
  tenant_id  text NOT NULL,
  key_hash   text NOT NULL UNIQUE,
  label      text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);
