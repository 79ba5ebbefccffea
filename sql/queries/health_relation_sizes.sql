-- Every table and index of the application's schemas and its size on disk. A partitioned table
-- (or index) has no storage of its own: its size is the sum over its partitions, which are
-- listed as well, each naming what it is a partition of.
SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS relation,
       CASE WHEN c.relkind IN ('r', 'p') THEN 'table' ELSE 'index' END AS kind,
       quote_ident(tn.nspname) || '.' || quote_ident(t.relname) AS table_name,
       CASE WHEN p.oid IS NOT NULL THEN quote_ident(pn.nspname) || '.' || quote_ident(p.relname) END AS partition_of,
       sizes.bytes,
       sizes.total_bytes
FROM pg_class AS c
JOIN pg_namespace AS n ON n.oid = c.relnamespace
LEFT JOIN pg_index AS i ON i.indexrelid = c.oid
JOIN pg_class AS t ON t.oid = COALESCE(i.indrelid, c.oid)
JOIN pg_namespace AS tn ON tn.oid = t.relnamespace
LEFT JOIN pg_inherits AS inh ON inh.inhrelid = c.oid
LEFT JOIN pg_class AS p ON p.oid = inh.inhparent
LEFT JOIN pg_namespace AS pn ON pn.oid = p.relnamespace
CROSS JOIN LATERAL (
    SELECT sum(CASE WHEN c.relkind IN ('r', 'p') THEN pg_table_size(tree.relid)
                    ELSE pg_relation_size(tree.relid) END)::bigint AS bytes,
           CASE WHEN c.relkind IN ('r', 'p')
                THEN sum(pg_total_relation_size(tree.relid))::bigint END AS total_bytes
    -- A table outside any partitioning has no tree: it stands for itself.
    FROM (SELECT relid FROM pg_partition_tree(c.oid) UNION SELECT c.oid) AS tree
) AS sizes
WHERE n.nspname IN ('vk', 'ops')
  AND c.relkind IN ('r', 'p', 'i', 'I')
ORDER BY sizes.total_bytes DESC NULLS LAST, sizes.bytes DESC, relation;
