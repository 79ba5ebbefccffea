-- Every active watch against the comments of the posts published in [start, end): the comments
-- the load of those days wrote or refreshed, reached through their posts (a day's few thousand
-- comments by index, not a scan of their month). Each watch arrives parsed as search parses a
-- query (query/search.py SearchTerms: words for websearch_to_tsquery, exact #hashtags and
-- @mentions), in one JSON parameter: a watch's text is data, never SQL. Matching is search's:
-- deleted comments never match. A hit already stored (an earlier load, a rerun of the same
-- days) is skipped, so each comment is a hit of a watch once; ON CONFLICT covers two runs
-- racing over the same days. Returns the new hits' keys.
--
-- Why keys before matching: trying every watch on every comment (100 x 7,000 tsquery
-- evaluations a day) cost most of the step. A match of a query holds at least one lexeme of
-- its indexable part (querytree: the query without its negations), so the pairs worth trying
-- are found by joining the watches' lexemes to the comments' in one hash join, the way a GIN
-- index would find them; a watch without words is keyed by its first hashtag or mention.
-- Only a watch with nothing positive to key on (words that are all negations) is tried on
-- every comment.
WITH parsed AS (
    SELECT w.watch_id, websearch_to_tsquery('russian', w.words) AS query, w.hashtags,
           w.mentions, w.group_ids
    FROM jsonb_to_recordset(%(watches)s::jsonb)
         AS w(watch_id bigint, words text, hashtags text[], mentions text[], group_ids bigint[])
),
-- Whether a watch has words is decided once here, not for every comment it is tried on; a
-- watch of stop words only (nothing to search) is dropped, as search answers it with nothing.
watch AS MATERIALIZED (
    SELECT watch_id, CASE WHEN numnode(query) > 0 THEN query END AS query, hashtags, mentions,
           group_ids
    FROM parsed
    WHERE numnode(query) > 0 OR hashtags IS NOT NULL OR mentions IS NOT NULL
),
watch_keys AS MATERIALIZED (
    SELECT w.watch_id, 'lexeme' AS kind, k.key
    FROM watch AS w
    CROSS JOIN LATERAL unnest(vk.tsquery_lexemes(querytree(w.query))) AS k(key)
    WHERE w.query IS NOT NULL AND querytree(w.query)::text <> 'T'
    UNION ALL
    SELECT w.watch_id, 'hashtag', w.hashtags[1]
    FROM watch AS w
    WHERE w.hashtags IS NOT NULL AND (w.query IS NULL OR querytree(w.query)::text = 'T')
    UNION ALL
    SELECT w.watch_id, 'mention', w.mentions[1]
    FROM watch AS w
    WHERE w.mentions IS NOT NULL AND w.hashtags IS NULL
      AND (w.query IS NULL OR querytree(w.query)::text = 'T')
),
day_comments AS MATERIALIZED (
    SELECT c.group_id, c.comment_id, c.post_id, c.post_published_at, c.published_at, c.from_id,
           c.text, c.search, c.hashtags, c.mentions
    FROM vk.posts AS p
    JOIN vk.comments AS c
      ON c.group_id = p.group_id AND c.post_id = p.post_id
     AND c.post_published_at = p.published_at
    WHERE p.published_at >= %(start)s AND p.published_at < %(end)s
      AND c.post_published_at >= %(start)s AND c.post_published_at < %(end)s
      AND NOT c.is_deleted
),
comment_keys AS (
    SELECT c.group_id, c.comment_id, 'lexeme' AS kind, k.key
    FROM day_comments AS c CROSS JOIN LATERAL unnest(tsvector_to_array(c.search)) AS k(key)
    UNION ALL
    SELECT c.group_id, c.comment_id, 'hashtag', k.key
    FROM day_comments AS c CROSS JOIN LATERAL unnest(c.hashtags) AS k(key)
    UNION ALL
    SELECT c.group_id, c.comment_id, 'mention', k.key
    FROM day_comments AS c CROSS JOIN LATERAL unnest(c.mentions) AS k(key)
),
candidates AS (
    SELECT k.watch_id, c.group_id, c.comment_id
    FROM watch_keys AS k
    JOIN comment_keys AS c ON c.kind = k.kind AND c.key = k.key
    UNION
    SELECT w.watch_id, c.group_id, c.comment_id
    FROM watch AS w
    CROSS JOIN day_comments AS c
    WHERE NOT EXISTS (SELECT FROM watch_keys AS k WHERE k.watch_id = w.watch_id)
)
INSERT INTO vk.watch_hits (watch_id, group_id, comment_id, post_id, post_published_at,
                           published_at, from_id, text, found_run_id)
SELECT w.watch_id, c.group_id, c.comment_id, c.post_id, c.post_published_at,
       c.published_at, c.from_id, c.text, %(run_id)s
FROM candidates AS pair
JOIN watch AS w ON w.watch_id = pair.watch_id
JOIN day_comments AS c ON c.group_id = pair.group_id AND c.comment_id = pair.comment_id
WHERE (w.query IS NULL OR c.search @@ w.query)
  AND (w.hashtags IS NULL OR c.hashtags @> w.hashtags)
  AND (w.mentions IS NULL OR c.mentions @> w.mentions)
  AND (w.group_ids IS NULL OR c.group_id = ANY (w.group_ids))
  AND NOT EXISTS (SELECT FROM vk.watch_hits AS h
                  WHERE h.watch_id = w.watch_id AND h.group_id = c.group_id
                    AND h.comment_id = c.comment_id)
-- Hit ids in the comments' order: a watch's hits are delivered oldest first by id.
ORDER BY w.watch_id, c.published_at, c.group_id, c.comment_id
ON CONFLICT DO NOTHING
RETURNING watch_id, hit_id;
