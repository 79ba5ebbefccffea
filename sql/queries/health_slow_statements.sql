-- The statements of this database slowest on average, among those run often enough to matter.
-- Without pg_read_all_stats the text of other roles' statements reads <insufficient privilege>.
SELECT row_number() OVER (ORDER BY s.mean_exec_time DESC)::integer AS rank,
       left(regexp_replace(s.query, '\s+', ' ', 'g'), 500) AS query,
       s.calls,
       s.mean_exec_time AS mean_ms,
       s.total_exec_time AS total_ms,
       s.rows
FROM pg_stat_statements AS s
WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND s.calls >= %(min_calls)s
ORDER BY s.mean_exec_time DESC
LIMIT %(top)s;
