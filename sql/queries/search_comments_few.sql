-- Search, first tier: a query whose words match few comments, answered completely from the
-- GIN index. Run as a prepared statement with a generic plan (query/search.py): planning a
-- query over every monthly partition costs more than answering a rare word, so this plan is
-- made once per connection; a phrase's %(pairs)s excepted, planned for them. It reads at
-- most %(cap)s + 1 matches of the words; when there are more, or the words hold no lexeme,
-- `deferred` is true and the second tier (search_comments.sql) answers instead. Otherwise the
-- matches are filtered, ordered (newest first, or by relevance when %(ranked)s) and cut to one
-- keyset page here.
WITH words AS MATERIALIZED (
    SELECT websearch_to_tsquery('russian', %(words)s) AS query
),
word_matches AS MATERIALIZED (
    SELECT c.group_id, c.post_id, c.comment_id, c.published_at, c.from_id, c.text,
           c.likes_count, c.thread_root_id, c.hashtags, c.mentions,
           CASE WHEN %(ranked)s THEN ts_rank(c.search, (SELECT query FROM words), 1) ELSE 0 END
               AS rank
    FROM vk.comments AS c
    WHERE %(pairs)s::bigint[] IS NULL
      AND NOT c.is_deleted
      AND c.search @@ (SELECT query FROM words)
    UNION ALL
    -- A phrase with adjacent pairs: the comments holding them, from the pair index alone, and
    -- its words checked on those only (IS TRUE keeps the words' index out of the plan: beside
    -- the pairs it would only read every comment holding each common word of the phrase).
    SELECT c.group_id, c.post_id, c.comment_id, c.published_at, c.from_id, c.text,
           c.likes_count, c.thread_root_id, c.hashtags, c.mentions,
           CASE WHEN %(ranked)s THEN ts_rank(c.search, (SELECT query FROM words), 1) ELSE 0 END
    FROM vk.comments AS c
    WHERE %(pairs)s::bigint[] IS NOT NULL
      AND NOT c.is_deleted
      AND vk.lexeme_pairs(c.search) @> %(pairs)s
      AND (c.search @@ (SELECT query FROM words)) IS TRUE
),
capped AS MATERIALIZED (
    SELECT * FROM word_matches LIMIT %(cap)s + 1
),
status AS (
    SELECT numnode((SELECT query FROM words)) = 0 OR count(*) > %(cap)s AS deferred
    FROM capped
),
found AS (
    SELECT m.*
    FROM capped AS m
    WHERE NOT (SELECT deferred FROM status)
      AND (%(hashtags)s::text[] IS NULL OR m.hashtags @> %(hashtags)s)
      AND (%(mentions)s::text[] IS NULL OR m.mentions @> %(mentions)s)
      AND (%(group_id)s::bigint IS NULL OR m.group_id = %(group_id)s)
      AND (%(post_id)s::bigint IS NULL OR m.post_id = %(post_id)s)
      AND (%(author_id)s::bigint IS NULL OR m.from_id = %(author_id)s)
      AND (%(since)s::timestamptz IS NULL OR m.published_at >= %(since)s)
      AND (%(until)s::timestamptz IS NULL OR m.published_at < %(until)s)
      AND (m.published_at, m.group_id, m.comment_id)
          < (%(before_published_at)s, %(before_group_id)s, %(before_comment_id)s)
),
newest AS (
    SELECT published_at, group_id, comment_id FROM found
    ORDER BY published_at DESC, group_id DESC, comment_id DESC
    LIMIT 1
)
SELECT status.deferred, page.*,
       newest.published_at AS newest_published_at, newest.group_id AS newest_group_id,
       newest.comment_id AS newest_comment_id
FROM status
LEFT JOIN newest ON true
LEFT JOIN LATERAL (
    SELECT f.group_id, f.post_id, f.comment_id, f.published_at, f.from_id, f.text,
           f.likes_count, f.thread_root_id, f.hashtags, f.mentions, f.rank
    FROM found AS f
    WHERE (f.rank, f.published_at, f.group_id, f.comment_id)
          < (%(after_rank)s::real, %(after_published_at)s, %(after_group_id)s, %(after_comment_id)s)
    ORDER BY f.rank DESC, f.published_at DESC, f.group_id DESC, f.comment_id DESC
    LIMIT %(limit)s
) AS page ON true;
