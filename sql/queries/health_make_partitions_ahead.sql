-- This month's and next month's comment partitions, made before a load needs them: creating
-- one inside a load takes a lock on vk.comments while the load waits.
SELECT vk.ensure_comment_partitions(
           date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC',
           (date_trunc('month', now() AT TIME ZONE 'UTC') + interval '2 months') AT TIME ZONE 'UTC'
       ) AS created;
