-- One month of the newest-first walk (query/search_months.py) where the statistics say the
-- words are common: the month's comments walked newest first through its time index (or its
-- group's), at most %(walk_rows)s of them, and the first %(want)s matches among them between the
-- floor and the `before` key, ranked when %(ranked)s.
-- Why bounded: the statistics count each word, not the words together, and words common alone
-- may be rare together (a phrase of two common words that never stand side by side); unbounded,
-- such a walk reads the whole month. When the walk reaches its bound, the row there comes back
-- too (n = walk_rows, matched or not) and the rest of the month, older than it, is gathered from
-- the GIN index (search_month_gather.sql). Sent unprepared, with sorts, bitmap and
-- sequential scans off (query/prepared.py walk_plans): the month's bounds prune it to one
-- partition, a group's search walks that group's time index, and however many rows the
-- stretch allows, the planner cannot choose to read and sort the whole month instead, which it
-- would past some thousands.
SELECT w.published_at, w.group_id, w.comment_id, w.post_published_at, w.matched, w.n,
       CASE WHEN w.matched AND %(ranked)s
            THEN ts_rank(w.search, websearch_to_tsquery('russian', %(words)s), 1)
            ELSE 0 END AS rank
FROM (
    SELECT c.published_at, c.group_id, c.comment_id, c.post_published_at, c.search,
           c.search @@ websearch_to_tsquery('russian', %(words)s) AS matched,
           row_number() OVER (ORDER BY c.published_at DESC, c.group_id DESC, c.comment_id DESC) AS n
    FROM vk.comments AS c
    WHERE c.post_published_at >= %(month_start)s AND c.post_published_at < %(month_end)s
      AND NOT c.is_deleted
      AND (%(group_id)s::bigint IS NULL OR c.group_id = %(group_id)s)
      AND (%(since)s::timestamptz IS NULL OR c.published_at >= %(since)s)
      AND (c.published_at, c.group_id, c.comment_id)
          < (%(before_published_at)s, %(before_group_id)s, %(before_comment_id)s)
      AND (c.published_at, c.group_id, c.comment_id)
          > (%(floor_published_at)s, %(floor_group_id)s, %(floor_comment_id)s)
    ORDER BY c.published_at DESC, c.group_id DESC, c.comment_id DESC
    LIMIT %(walk_rows)s
) AS w
WHERE w.matched OR w.n = %(walk_rows)s
ORDER BY w.published_at DESC, w.group_id DESC, w.comment_id DESC
LIMIT %(want)s;
