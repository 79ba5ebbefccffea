-- The months a newest-first search walks (query/search_months.py): every monthly partition of
-- vk.comments with the time of its newest comment before the cursor (within the group when one
-- is given), newest first. A comment is never older than its post, so a month's comments are
-- never older than the month, but a comment on an old post may be today's: each month's newest
-- comment is looked up (one backwards step of its time index, the partition found at run time),
-- not assumed from its bounds. With each month, its partition's schema and name: a month's
-- windows count its comments in the partition itself (search_month_edge.sql).
WITH months AS (
    SELECT bounds[1]::timestamptz AS month_start, bounds[2]::timestamptz AS month_end,
           n.nspname AS partition_schema, p.relname AS partition_name
    FROM pg_inherits AS i
    JOIN pg_class AS p ON p.oid = i.inhrelid
    JOIN pg_namespace AS n ON n.oid = p.relnamespace
    CROSS JOIN LATERAL regexp_match(pg_get_expr(p.relpartbound, p.oid),
                                    'FROM \(''([^'']+)''\) TO \(''([^'']+)''\)') AS bounds
    WHERE i.inhparent = 'vk.comments'::regclass
      AND p.reltuples <> 0
)
SELECT m.month_start, m.month_end, m.partition_schema, m.partition_name,
       newest.published_at AS newest
FROM months AS m
CROSS JOIN LATERAL (
    SELECT max(c.published_at) AS published_at
    FROM vk.comments AS c
    WHERE NOT c.is_deleted
      AND c.post_published_at >= m.month_start AND c.post_published_at < m.month_end
      AND (%(group_id)s::bigint IS NULL OR c.group_id = %(group_id)s)
      AND c.published_at <= %(before_published_at)s
) AS newest
WHERE newest.published_at >= coalesce(%(since)s::timestamptz, '-infinity'::timestamptz)
ORDER BY newest.published_at DESC;
