-- The months a load may write comments into soon: this month and the next (UTC, the partitions'
-- bounds), and whether each has its partition. A post of tomorrow must never find it missing.
SELECT to_char(month, 'YYYY-MM') AS month,
       'vk.comments_' || to_char(month, 'YYYY_MM') AS partition,
       EXISTS (
           SELECT FROM pg_inherits AS i
           JOIN pg_class AS c ON c.oid = i.inhrelid
           WHERE i.inhparent = 'vk.comments'::regclass
             AND c.relname = 'comments_' || to_char(month, 'YYYY_MM')
       ) AS present
FROM generate_series(date_trunc('month', now() AT TIME ZONE 'UTC'),
                     date_trunc('month', now() AT TIME ZONE 'UTC') + interval '1 month',
                     interval '1 month') AS month
ORDER BY month;
