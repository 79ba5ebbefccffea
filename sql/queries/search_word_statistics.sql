-- The planner's statistics of the words in comments: for each analysed monthly partition of
-- vk.comments (autovacuum keeps these; the partitioned table itself has none unless analysed
-- by hand), its month, its rows and its most common lexemes with the share of its comments
-- holding each. query/search.py reads this a few times an hour to tell a common word from a
-- rare one, and a word used now from one used only in other months, without asking the index.
-- Beside them, from the statistics of the partition's comments_phrase_pairs_idx (ANALYZE keeps
-- an expression index's like a column's; only its owner may read them, hence the function),
-- its most common adjacent pairs of lexemes by key: how often a phrase's words stand
-- together, which the words' own shares cannot say.
SELECT (regexp_match(pg_get_expr(p.relpartbound, p.oid),
                     'FROM \(''([^'']+)''\)'))[1]::timestamptz AS month_start,
       p.reltuples AS rows,
       s.most_common_elems::text::text[] AS lexemes,
       s.most_common_elem_freqs AS shares,
       pair_stats.partition IS NOT NULL AS pairs_analysed, pair_stats.pairs, pair_stats.pair_shares
FROM pg_inherits AS i
JOIN pg_class AS p ON p.oid = i.inhrelid
JOIN pg_namespace AS n ON n.oid = p.relnamespace
JOIN pg_stats AS s
  ON s.schemaname = n.nspname AND s.tablename = p.relname AND s.attname = 'search'
LEFT JOIN vk.phrase_pair_statistics() AS pair_stats ON pair_stats.partition = p.oid
WHERE i.inhparent = 'vk.comments'::regclass
  AND p.reltuples > 0
ORDER BY month_start;
