-- A window of a month's comment time in the newest-first walk (query/search_months.py): the
-- newest %(want)s matches among the month's comments written from %(window_start)s to the
-- `before` key, above the floor. Two kinds: a month's tail (its comments written after it
-- ended, where the following month's statistics say the words are rare then), and a window of
-- a month read through windows (its start counted in the time index by
-- search_month_edge.sql). A bitmap of the window from the time index and one of the words
-- from the GIN index, ANDed: neither the window's comments without the words nor the words'
-- matches outside it are read from the heap (sql/README.md has the plans). Sent unprepared,
-- the words as a constant (the planner weighs their share in this month), with plain index
-- and sequential scans off (query/prepared.py window_plans): a plain index scan would be the
-- walk this replaces.
SELECT c.published_at, c.group_id, c.comment_id, c.post_published_at,
       CASE WHEN %(ranked)s THEN ts_rank(c.search, websearch_to_tsquery('russian', %(words)s), 1)
            ELSE 0 END AS rank
FROM vk.comments AS c
WHERE c.post_published_at >= %(month_start)s AND c.post_published_at < %(month_end)s
  AND NOT c.is_deleted
  AND c.search @@ websearch_to_tsquery('russian', %(words)s)
  AND (%(group_id)s::bigint IS NULL OR c.group_id = %(group_id)s)
  AND c.published_at >= %(window_start)s
  AND (c.published_at, c.group_id, c.comment_id)
      < (%(before_published_at)s, %(before_group_id)s, %(before_comment_id)s)
  AND (c.published_at, c.group_id, c.comment_id)
      > (%(floor_published_at)s, %(floor_group_id)s, %(floor_comment_id)s)
ORDER BY c.published_at DESC, c.group_id DESC, c.comment_id DESC
LIMIT %(want)s;
