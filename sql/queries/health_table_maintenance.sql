-- Dead tuples, the last (auto)vacuum and (auto)analyze of every table, and whether autovacuum
-- lags: dead tuples past the point where autovacuum should take the table (the formula of the
-- autovacuum daemon, with the table's own settings over the server's), and the table off for
-- autovacuum or not vacuumed for longer than the lag allowed. Partitioned tables are left out: they hold no rows,
-- autovacuum visits their partitions.
SELECT quote_ident(s.schemaname) || '.' || quote_ident(s.relname) AS relation,
       s.n_live_tup AS live_tuples,
       s.n_dead_tup AS dead_tuples,
       threshold.tuples AS vacuum_threshold,
       setting.enabled AS autovacuum_enabled,
       s.last_vacuum, s.last_autovacuum, s.last_analyze, s.last_autoanalyze,
       s.n_dead_tup > threshold.tuples
           AND (NOT setting.enabled
                OR COALESCE(GREATEST(s.last_vacuum, s.last_autovacuum), '-infinity')
                   < now() - %(lag)s::interval) AS lagging
FROM pg_stat_user_tables AS s
JOIN pg_class AS c ON c.oid = s.relid
CROSS JOIN LATERAL (
    SELECT current_setting('autovacuum')::boolean AND current_setting('track_counts')::boolean
               AND COALESCE((SELECT o.option_value::boolean FROM pg_options_to_table(c.reloptions) AS o
                             WHERE o.option_name = 'autovacuum_enabled'), true) AS enabled,
           COALESCE((SELECT o.option_value::float8 FROM pg_options_to_table(c.reloptions) AS o
                     WHERE o.option_name = 'autovacuum_vacuum_threshold'),
                    current_setting('autovacuum_vacuum_threshold')::float8) AS base,
           COALESCE((SELECT o.option_value::float8 FROM pg_options_to_table(c.reloptions) AS o
                     WHERE o.option_name = 'autovacuum_vacuum_scale_factor'),
                    current_setting('autovacuum_vacuum_scale_factor')::float8) AS scale,
           -- PostgreSQL 18 caps the threshold of very large tables; 15 has no such setting.
           current_setting('autovacuum_vacuum_max_threshold', true)::float8 AS cap
) AS setting
CROSS JOIN LATERAL (
    -- reltuples is -1 for a table never vacuumed or analyzed; the daemon counts it as empty.
    SELECT LEAST(setting.base + setting.scale * GREATEST(c.reltuples, 0),
                 NULLIF(setting.cap, -1))::bigint AS tuples
) AS threshold
WHERE s.schemaname IN ('vk', 'ops')
  AND c.relkind = 'r'
ORDER BY lagging DESC, s.n_dead_tup DESC, relation;
