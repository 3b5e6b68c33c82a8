-- memory_candidates without planning on every call.
--
-- 003 built its query as text and ran it with EXECUTE, which plans it afresh each time: about
-- 0.9 ms of a 1.8 ms retrieval at a hundred items, and a retrieval sits on every subtask's
-- critical path and twice on every task's. The same candidates (see 003 for what they are) now
-- come from one static statement, whose plan PL/pgSQL keeps for the session; a branch the text
-- does not need is switched off by a condition on its parameters, which the executor checks
-- once, before reading anything. Sequential scans stay off, so a cached generic plan uses the
-- same indexes as the custom ones did.
--
-- Each branch returns its rows whole instead of ids joined back to the table (fifty index
-- lookups, a third of the execution time), and ranks only the rows its LIMIT kept: ranked
-- before it, a plan that sorts every match would rank thousands of rows.
--
-- Before a table's first ANALYZE the planner takes it for a few pages and reads a network's
-- every item whatever the query: about 10 ms per retrieval at 2,600 items, with this function or
-- 003's. The recovery sweeper's leader analyzes such tables within seconds (autovacuum does too,
-- where it is on).
CREATE OR REPLACE FUNCTION memory_candidates(p_network uuid, p_tenant text, p_text text, p_window int, p_rare int, p_recent int, p_limit int, p_common text[])
RETURNS TABLE (id uuid, tenant_id text, network_id uuid, memory_type text, content text, confidence real, importance real,
               metadata jsonb, source_kind text, source_task_id uuid, source_subtask_id uuid, source_agent_id uuid,
               token_estimate integer, created_at timestamptz, updated_at timestamptz, rank real)
LANGUAGE plpgsql STABLE
ROWS 50
SET enable_seqscan = off
AS $fn$
DECLARE
  lexemes text[] := ARRAY(SELECT DISTINCT l FROM unnest(tsvector_to_array(to_tsvector('english', left(p_text, 4000)))) AS l LIMIT 64);
  rare text[];
  all_q tsquery;
  rare_q tsquery;
  -- The recent matches only when the text has common words: with distinctive words alone, the GIN path finds every match.
  has_common boolean;
BEGIN
  IF cardinality(lexemes) = 0 THEN
    RETURN QUERY SELECT m.id, m.tenant_id, m.network_id, m.memory_type, m.content, m.confidence, m.importance, m.metadata, m.source_kind,
        m.source_task_id, m.source_subtask_id, m.source_agent_id, m.token_estimate, m.created_at, m.updated_at, 0::real
      FROM memory_items m WHERE m.network_id = p_network AND m.tenant_id = p_tenant ORDER BY m.created_at DESC LIMIT p_recent;
    RETURN;
  END IF;
  rare := ARRAY(SELECT l FROM unnest(lexemes) AS l WHERE p_common IS NULL OR NOT (l = ANY (p_common)));
  has_common := cardinality(rare) < cardinality(lexemes);
  all_q := to_tsquery('simple', array_to_string(ARRAY(SELECT quote_literal(l) FROM unnest(lexemes) AS l), ' | '));
  rare_q := CASE WHEN cardinality(rare) > 0
    THEN to_tsquery('simple', array_to_string(ARRAY(SELECT quote_literal(l) FROM unnest(rare) AS l), ' | ')) END;
  RETURN QUERY
    SELECT d.* FROM (
      SELECT DISTINCT ON (c.id) c.* FROM (
      (SELECT b.id, b.tenant_id, b.network_id, b.memory_type, b.content, b.confidence, b.importance, b.metadata, b.source_kind,
              b.source_task_id, b.source_subtask_id, b.source_agent_id, b.token_estimate, b.created_at, b.updated_at, ts_rank(b.search, all_q)
       FROM (SELECT m.id, m.tenant_id, m.network_id, m.memory_type, m.content, m.confidence, m.importance, m.metadata, m.source_kind,
                    m.source_task_id, m.source_subtask_id, m.source_agent_id, m.token_estimate, m.created_at, m.updated_at, m.search
             FROM memory_items m WHERE m.network_id = p_network AND m.tenant_id = p_tenant AND has_common AND m.search @@ all_q
             ORDER BY m.created_at DESC LIMIT p_window) AS b)
      UNION ALL
      (SELECT b.id, b.tenant_id, b.network_id, b.memory_type, b.content, b.confidence, b.importance, b.metadata, b.source_kind,
              b.source_task_id, b.source_subtask_id, b.source_agent_id, b.token_estimate, b.created_at, b.updated_at, ts_rank(b.search, all_q)
       FROM (SELECT m.id, m.tenant_id, m.network_id, m.memory_type, m.content, m.confidence, m.importance, m.metadata, m.source_kind,
                    m.source_task_id, m.source_subtask_id, m.source_agent_id, m.token_estimate, m.created_at, m.updated_at, m.search
             FROM memory_items m WHERE m.network_id = p_network AND m.tenant_id = p_tenant AND rare_q IS NOT NULL AND m.search @@ rare_q
             LIMIT p_rare) AS b)
      UNION ALL
      (SELECT b.id, b.tenant_id, b.network_id, b.memory_type, b.content, b.confidence, b.importance, b.metadata, b.source_kind,
              b.source_task_id, b.source_subtask_id, b.source_agent_id, b.token_estimate, b.created_at, b.updated_at, ts_rank(b.search, all_q)
       FROM (SELECT m.id, m.tenant_id, m.network_id, m.memory_type, m.content, m.confidence, m.importance, m.metadata, m.source_kind,
                    m.source_task_id, m.source_subtask_id, m.source_agent_id, m.token_estimate, m.created_at, m.updated_at, m.search
             FROM memory_items m WHERE m.network_id = p_network AND m.tenant_id = p_tenant
             ORDER BY m.created_at DESC LIMIT p_recent) AS b)
      ) AS c(id, tenant_id, network_id, memory_type, content, confidence, importance, metadata, source_kind,
             source_task_id, source_subtask_id, source_agent_id, token_estimate, created_at, updated_at, rank)
      ORDER BY c.id) AS d
    ORDER BY d.rank DESC, d.created_at DESC LIMIT p_limit;
END
$fn$;
