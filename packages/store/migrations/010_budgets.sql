-- Budgets: tokens and cost a tenant, or one of its networks, may spend per UTC day or month.
-- Usage is never copied: it is summed from llm_calls, the rows accounting reads too, through an
-- index by tenant and time. `source` tells budgets set in MESH_BUDGETS (kept in step with the
-- setting at start) from those set through the admin route.
CREATE TABLE budgets (
  id           uuid PRIMARY KEY,
  tenant_id    text NOT NULL,
  network_id   uuid REFERENCES networks (id) ON DELETE CASCADE,
  period       text NOT NULL CHECK (period IN ('day', 'month')),
  max_tokens   bigint CHECK (max_tokens > 0),
  max_cost_usd numeric(18, 6) CHECK (max_cost_usd > 0),
  source       text NOT NULL DEFAULT 'api' CHECK (source IN ('config', 'api')),
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  CHECK (max_tokens IS NOT NULL OR max_cost_usd IS NOT NULL)
);
CREATE UNIQUE INDEX budgets_scope ON budgets (tenant_id, coalesce(network_id, '00000000-0000-0000-0000-000000000000'::uuid), period);

CREATE INDEX llm_calls_tenant_time ON llm_calls (tenant_id, created_at);

-- A budget's warning at BUDGET_WARNING_RATIO is told once per period: the first to insert tells it.
CREATE TABLE budget_warnings (
  budget_id    uuid NOT NULL REFERENCES budgets (id) ON DELETE CASCADE,
  period_start timestamptz NOT NULL,
  warned_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (budget_id, period_start)
);
