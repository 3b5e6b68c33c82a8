-- Tools a network's agents may call (POST /networks/{id}/tools), and each agent's list of them.
--
-- `spec` is the registration as accepted (header secrets only as {"secret": "NAME"} references,
-- never their values); `tools` the tools derived from it at registration (input schemas, and how
-- each is called), so a subtask never re-reads an OpenAPI document or re-lists an MCP server.
CREATE TABLE tools (
  id          uuid PRIMARY KEY,
  tenant_id   text NOT NULL,
  network_id  uuid NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
  name        text NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('http', 'openapi', 'mcp')),
  description text NOT NULL DEFAULT '',
  spec        jsonb NOT NULL,
  tools       jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  -- A name is what agents' `tools` entries refer to (`name`, `name.operation`, `name.*`).
  UNIQUE (network_id, name)
);

-- Names and `<service>.*` patterns, checked against the network's tools when the agent is added.
ALTER TABLE agents ADD COLUMN tools text[] NOT NULL DEFAULT '{}';
