-- Search, second tier: any query, planned for its own parameters. psycopg sends them
-- unprepared, so they reach the planner as constants: unused filters fold away and the planner
-- sees the words' real frequency. A common word walks comments_time_idx (or
-- comments_group_time_idx within one group) backwards and stops after the candidates it needs;
-- a rarer one gathers its matches through a GIN index and sorts them.
-- Candidates are the newest %(candidates)s matches before the `before` key: the page itself when
-- newest first (then `before` is the cursor), the relevance window when ranked (then `before`
-- is just above the first page's newest candidate, so new comments do not shift later pages).
WITH candidates AS MATERIALIZED (
    SELECT c.group_id, c.post_id, c.comment_id, c.published_at, c.from_id, c.text,
           c.likes_count, c.thread_root_id, c.hashtags, c.mentions,
           CASE WHEN %(ranked)s AND numnode(websearch_to_tsquery('russian', %(words)s)) > 0
                THEN ts_rank(c.search, websearch_to_tsquery('russian', %(words)s), 1)
                ELSE 0 END AS rank
    FROM vk.comments AS c
    WHERE NOT c.is_deleted
      AND (numnode(websearch_to_tsquery('russian', %(words)s)) > 0
           OR %(hashtags)s::text[] IS NOT NULL OR %(mentions)s::text[] IS NOT NULL)
      AND (numnode(websearch_to_tsquery('russian', %(words)s)) = 0
           OR c.search @@ websearch_to_tsquery('russian', %(words)s))
      AND (%(hashtags)s::text[] IS NULL OR (c.hashtags @> %(hashtags)s AND c.hashtags <> '{}'))
      AND (%(mentions)s::text[] IS NULL OR (c.mentions @> %(mentions)s AND c.mentions <> '{}'))
      AND (%(group_id)s::bigint IS NULL OR c.group_id = %(group_id)s)
      AND (%(post_id)s::bigint IS NULL OR c.post_id = %(post_id)s)
      AND (%(author_id)s::bigint IS NULL OR c.from_id = %(author_id)s)
      AND (%(since)s::timestamptz IS NULL OR c.published_at >= %(since)s)
      AND (%(until)s::timestamptz IS NULL OR c.published_at < %(until)s)
      AND (c.published_at, c.group_id, c.comment_id)
          < (%(before_published_at)s, %(before_group_id)s, %(before_comment_id)s)
    ORDER BY c.published_at DESC, c.group_id DESC, c.comment_id DESC
    LIMIT %(candidates)s
),
newest AS (
    SELECT published_at, group_id, comment_id FROM candidates
    ORDER BY published_at DESC, group_id DESC, comment_id DESC
    LIMIT 1
)
SELECT false AS deferred, page.*,
       newest.published_at AS newest_published_at, newest.group_id AS newest_group_id,
       newest.comment_id AS newest_comment_id
FROM newest
JOIN LATERAL (
    SELECT f.group_id, f.post_id, f.comment_id, f.published_at, f.from_id, f.text,
           f.likes_count, f.thread_root_id, f.hashtags, f.mentions, f.rank
    FROM candidates AS f
    WHERE (f.rank, f.published_at, f.group_id, f.comment_id)
          < (%(after_rank)s::real, %(after_published_at)s, %(after_group_id)s, %(after_comment_id)s)
    ORDER BY f.rank DESC, f.published_at DESC, f.group_id DESC, f.comment_id DESC
    LIMIT %(limit)s
) AS page ON true;
