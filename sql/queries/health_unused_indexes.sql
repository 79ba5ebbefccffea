-- Indexes no scan has used since the statistics were reset. A partitioned table's index counts
-- as used when any of its partitions' indexes was: it is one index to keep or drop.
SELECT quote_ident(rn.nspname) || '.' || quote_ident(r.relname) AS index_name,
       quote_ident(tn.nspname) || '.' || quote_ident(t.relname) AS table_name,
       sum(pg_relation_size(s.indexrelid))::bigint AS bytes,
       bool_or(x.indisunique OR x.indisprimary OR x.indisexclusion) AS enforces_constraint
FROM pg_stat_user_indexes AS s
JOIN pg_index AS x ON x.indexrelid = s.indexrelid
JOIN pg_class AS r ON r.oid = COALESCE(pg_partition_root(s.indexrelid), s.indexrelid)
JOIN pg_namespace AS rn ON rn.oid = r.relnamespace
JOIN pg_index AS rx ON rx.indexrelid = r.oid
JOIN pg_class AS t ON t.oid = rx.indrelid
JOIN pg_namespace AS tn ON tn.oid = t.relnamespace
WHERE s.schemaname IN ('vk', 'ops')
GROUP BY rn.nspname, r.relname, tn.nspname, t.relname
HAVING sum(s.idx_scan) = 0
ORDER BY bytes DESC, index_name;
