-- One month of the newest-first walk (query/search_months.py) where the statistics say the
-- words are rare: every match of that monthly partition read from its GIN index, then the
-- newest %(want)s between the floor and the `before` key, with their rank when %(ranked)s. Prepared with a generic plan (made
-- once per connection): the month's bounds prune it to one partition when it runs, and the
-- words as an InitPlan keep the plan on the GIN index whatever they are.
WITH words AS MATERIALIZED (
    SELECT websearch_to_tsquery('russian', %(words)s) AS query
),
matches AS MATERIALIZED (
    SELECT c.published_at, c.group_id, c.comment_id, c.post_published_at,
           CASE WHEN %(ranked)s THEN ts_rank(c.search, (SELECT query FROM words), 1) ELSE 0 END
               AS rank
    FROM vk.comments AS c
    WHERE c.post_published_at >= %(month_start)s AND c.post_published_at < %(month_end)s
      AND NOT c.is_deleted
      AND c.search @@ (SELECT query FROM words)
      AND (%(hashtags)s::text[] IS NULL OR c.hashtags @> %(hashtags)s)
      AND (%(mentions)s::text[] IS NULL OR c.mentions @> %(mentions)s)
      AND (%(group_id)s::bigint IS NULL OR c.group_id = %(group_id)s)
      AND (%(since)s::timestamptz IS NULL OR c.published_at >= %(since)s)
)
SELECT m.published_at, m.group_id, m.comment_id, m.post_published_at, m.rank
FROM matches AS m
WHERE (m.published_at, m.group_id, m.comment_id)
      < (%(before_published_at)s, %(before_group_id)s, %(before_comment_id)s)
  AND (m.published_at, m.group_id, m.comment_id)
      > (%(floor_published_at)s, %(floor_group_id)s, %(floor_comment_id)s)
ORDER BY m.published_at DESC, m.group_id DESC, m.comment_id DESC
LIMIT %(want)s;
