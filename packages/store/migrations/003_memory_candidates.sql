-- Memory retrieval whose cost does not grow with memory.
--
-- 1. GIN without the pending list: with fastupdate on, every insert lands in an unsorted list
--    that each search scans linearly until VACUUM merges it (tens of ms at a few thousand
--    items); writes are a little slower without it, searches stay sub-millisecond.
ALTER INDEX memory_items_search SET (fastupdate = off);

-- 2. Candidates for a prompt, ranked by full-text relevance to p_text, from one network only.
--    Ranking every match is what grows with memory (common words such as "email" match most
--    items), so the candidates are bounded:
--      - the p_window most recent items matching any word of the text (an index scan in
--        created_at order that stops early, because common words match often),
--      - up to p_rare items matching the text's distinctive words (those not in p_common, the
--        table's most common lexemes from ANALYZE statistics, see common_memory_lexemes): an
--        old but relevant item shares those, and the GIN index finds them directly,
--      - the p_recent newest items (recent decisions matter even without shared words);
--    then the best p_limit by ts_rank (ts_rank_cd costs twice as much for no better choice here). The statements are planned with the actual queries
--    (EXECUTE … USING), and sequential scans are off so the rare-word path uses the GIN index
--    whatever the estimate.
CREATE FUNCTION memory_candidates(p_network uuid, p_tenant text, p_text text, p_window int, p_rare int, p_recent int, p_limit int, p_common text[])
-- The items themselves, not ids to join back: a join against a function result is planned
-- blind and, on small tables, becomes a sequential scan of all of memory.
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
BEGIN
  IF cardinality(lexemes) = 0 THEN
    RETURN QUERY SELECT m.id, m.tenant_id, m.network_id, m.memory_type, m.content, m.confidence, m.importance, m.metadata, m.source_kind,
        m.source_task_id, m.source_subtask_id, m.source_agent_id, m.token_estimate, m.created_at, m.updated_at, 0::real
      FROM memory_items m WHERE m.network_id = p_network AND m.tenant_id = p_tenant ORDER BY m.created_at DESC LIMIT p_recent;
    RETURN;
  END IF;
  rare := ARRAY(SELECT l FROM unnest(lexemes) AS l WHERE p_common IS NULL OR NOT (l = ANY (p_common)));
  all_q := to_tsquery('simple', array_to_string(ARRAY(SELECT quote_literal(l) FROM unnest(lexemes) AS l), ' | '));
  rare_q := CASE WHEN cardinality(rare) > 0
    THEN to_tsquery('simple', array_to_string(ARRAY(SELECT quote_literal(l) FROM unnest(rare) AS l), ' | ')) END;
  RETURN QUERY EXECUTE format($q$
    WITH ids AS (
      %s
      (SELECT m.id FROM memory_items m WHERE m.network_id = $1 AND m.tenant_id = $2 AND $4 IS NOT NULL AND m.search @@ $4 LIMIT $6)
      UNION
      (SELECT m.id FROM memory_items m WHERE m.network_id = $1 AND m.tenant_id = $2 ORDER BY m.created_at DESC LIMIT $7)
    )
    SELECT m.id, m.tenant_id, m.network_id, m.memory_type, m.content, m.confidence, m.importance, m.metadata, m.source_kind,
           m.source_task_id, m.source_subtask_id, m.source_agent_id, m.token_estimate, m.created_at, m.updated_at, ts_rank(m.search, $3)
    FROM memory_items m JOIN ids ON ids.id = m.id ORDER BY 16 DESC, m.created_at DESC LIMIT $8 $q$,
    -- Only when the text has common words: with distinctive words alone, the GIN path finds every match.
    CASE WHEN cardinality(rare) < cardinality(lexemes) THEN
      '(SELECT m.id FROM memory_items m WHERE m.network_id = $1 AND m.tenant_id = $2 AND m.search @@ $3 ORDER BY m.created_at DESC LIMIT $5) UNION'
    ELSE '' END)
  USING p_network, p_tenant, all_q, rare_q, p_window, p_rare, p_recent, p_limit;
END
$fn$;

-- The most common lexemes of memory (ANALYZE statistics), which callers cache for a while and
-- pass to memory_candidates: reading pg_stats on every retrieval would cost more than the search.
CREATE FUNCTION common_memory_lexemes() RETURNS text[] LANGUAGE sql STABLE AS $fn$
  SELECT s.most_common_elems::text::text[] FROM pg_stats s
  WHERE s.schemaname = current_schema() AND s.tablename = 'memory_items' AND s.attname = 'search'
$fn$;
