-- Every step inspectable (issue 18): each row of llm_calls is one attempt; attempts of one model
-- call share its call_id. What the call sent and what came back live apart from the accounting
-- rows, in llm_call_details, so that they can be switched off (MESH_LLM_RECORD_PROMPTS=false) and
-- pruned after MESH_LLM_PROMPT_RETENTION_DAYS while usage and budgets keep reading llm_calls.
ALTER TABLE llm_calls
  ADD COLUMN call_id       uuid,
  ADD COLUMN kind          text,
  ADD COLUMN started_at    timestamptz,
  ADD COLUMN error_message text;

CREATE TABLE llm_call_details (
  call_id     uuid PRIMARY KEY,
  tenant_id   text,
  network_id  uuid,
  task_id     uuid,
  subtask_id  uuid,
  -- The system prompt and the conversation as sent (secrets scrubbed).
  system      text NOT NULL,
  messages    jsonb NOT NULL,
  -- What the engine said about the call (the memory items in the prompt, the iteration, the tool-loop
  -- turn) and the raw text of answers refused as invalid output.
  annotations jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- The answer that was used: its text and the tool calls it asked for; null when every attempt failed.
  output      text,
  tool_calls  jsonb,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX llm_call_details_task ON llm_call_details (task_id) WHERE task_id IS NOT NULL;
CREATE INDEX llm_call_details_created ON llm_call_details (created_at);
