-- Every active watch against the comments of the posts published in [start, end): the comments
-- the load of those days wrote or refreshed, found by their partition key, so only the months
-- of the window are read. Each watch arrives parsed as search parses a query
-- (query/search.py SearchTerms: words for websearch_to_tsquery, exact #hashtags and @mentions),
-- as one JSON parameter: a watch's text is data, never SQL. Matching is search's: deleted
-- comments never match; a hit already stored (an earlier load, a rerun of the same days) is
-- left alone, so each comment is a hit of a watch once. Returns the new hits.
WITH watch AS MATERIALIZED (
    SELECT w.watch_id, websearch_to_tsquery('russian', w.words) AS query, w.hashtags,
           w.mentions, w.group_ids
    FROM jsonb_to_recordset(%(watches)s::jsonb)
         AS w(watch_id bigint, words text, hashtags text[], mentions text[], group_ids bigint[])
),
inserted AS (
    INSERT INTO vk.watch_hits (watch_id, group_id, comment_id, post_id, post_published_at,
                               published_at, from_id, text, found_run_id)
    SELECT w.watch_id, c.group_id, c.comment_id, c.post_id, c.post_published_at,
           c.published_at, c.from_id, c.text, %(run_id)s
    FROM watch AS w
    JOIN vk.comments AS c
      ON c.post_published_at >= %(start)s AND c.post_published_at < %(end)s
     AND NOT c.is_deleted
     AND (w.group_ids IS NULL OR c.group_id = ANY (w.group_ids))
     AND (numnode(w.query) = 0 OR c.search @@ w.query)
     AND (w.hashtags IS NULL OR c.hashtags @> w.hashtags)
     AND (w.mentions IS NULL OR c.mentions @> w.mentions)
    WHERE numnode(w.query) > 0 OR w.hashtags IS NOT NULL OR w.mentions IS NOT NULL
    ORDER BY w.watch_id, c.published_at, c.group_id, c.comment_id
    ON CONFLICT DO NOTHING
    RETURNING hit_id, watch_id, group_id, post_id, comment_id, published_at, from_id, text
)
SELECT * FROM inserted ORDER BY watch_id, hit_id;
