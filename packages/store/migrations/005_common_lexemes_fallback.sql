-- Common lexemes before ANALYZE has any.
--
-- memory_candidates looks up the text's distinctive words through the GIN index and finds its
-- common ones by recency; which words are common comes from ANALYZE statistics. A young
-- memory table has none, and then every word counted as distinctive: the GIN branch ORed the
-- posting lists of words that match nearly every item, 5-10 ms per retrieval at ten thousand
-- items, 50 ms under load, the largest cost of a task in the throughput benchmark. Without
-- statistics, the words in at least 2 % of a thousand items (the first the scan meets: no sort, so
-- it costs the same at any size) count as common instead.
CREATE OR REPLACE FUNCTION common_memory_lexemes() RETURNS text[] LANGUAGE sql STABLE AS $fn$
  SELECT coalesce(
    (SELECT s.most_common_elems::text::text[] FROM pg_stats s
      WHERE s.schemaname = current_schema() AND s.tablename = 'memory_items' AND s.attname = 'search'),
    (SELECT array_agg(word ORDER BY ndoc DESC) FROM (
       SELECT word, ndoc FROM ts_stat('SELECT search FROM memory_items LIMIT 1000')
       ORDER BY ndoc DESC LIMIT 300) w
     WHERE ndoc >= greatest(2, (SELECT count(*) FROM (SELECT 1 FROM memory_items LIMIT 1000) n) / 50)))
$fn$;
