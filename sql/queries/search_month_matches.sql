-- One month of the newest-first walk (query/search_months.py) where the words are common, or
-- where nothing says how common (no statistics, no words): the keys of that monthly partition's
-- newest matches between the floor and the `before` key, newest first, ranked when %(ranked)s. Sent unprepared: the
-- month's bounds prune the plan to one partition, planned with that partition's own statistics,
-- so a word common in this month walks its time index (or its group's) backwards and stops
-- after %(want)s matches, where one plan for every month would walk months without a match.
-- The conditions are those of search_comments.sql.
SELECT c.published_at, c.group_id, c.comment_id, c.post_published_at,
       CASE WHEN %(ranked)s AND numnode(websearch_to_tsquery('russian', %(words)s)) > 0
            THEN ts_rank(c.search, websearch_to_tsquery('russian', %(words)s), 1)
            ELSE 0 END AS rank
FROM vk.comments AS c
WHERE c.post_published_at >= %(month_start)s AND c.post_published_at < %(month_end)s
  AND NOT c.is_deleted
  AND (numnode(websearch_to_tsquery('russian', %(words)s)) = 0
       OR c.search @@ websearch_to_tsquery('russian', %(words)s))
  AND (%(hashtags)s::text[] IS NULL OR (c.hashtags @> %(hashtags)s AND c.hashtags <> '{}'))
  AND (%(mentions)s::text[] IS NULL OR (c.mentions @> %(mentions)s AND c.mentions <> '{}'))
  AND (%(group_id)s::bigint IS NULL OR c.group_id = %(group_id)s)
  AND (%(since)s::timestamptz IS NULL OR c.published_at >= %(since)s)
  AND (c.published_at, c.group_id, c.comment_id)
      < (%(before_published_at)s, %(before_group_id)s, %(before_comment_id)s)
  AND (c.published_at, c.group_id, c.comment_id)
      > (%(floor_published_at)s, %(floor_group_id)s, %(floor_comment_id)s)
ORDER BY c.published_at DESC, c.group_id DESC, c.comment_id DESC
LIMIT %(want)s;
