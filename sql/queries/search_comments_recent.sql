-- Search, first try: the matches among the newest 300 comments before the cursor, newest first.
-- A common word fills a page from these alone; for anything rarer the page comes back short
-- and the next tier answers (query/search.py). Run with a generic plan, prepared once per
-- connection: the LIMIT is a constant so that plan always walks comments_time_idx backwards.
SELECT recent.group_id, recent.post_id, recent.comment_id, recent.published_at, recent.from_id,
       recent.text, recent.likes_count, recent.thread_root_id, recent.hashtags, recent.mentions,
       0::real AS rank
FROM (
    SELECT c.group_id, c.post_id, c.comment_id, c.published_at, c.from_id, c.text, c.likes_count,
           c.thread_root_id, c.hashtags, c.mentions, c.search
    FROM vk.comments AS c
    WHERE NOT c.is_deleted
      AND c.published_at >= %(since)s
      AND (c.published_at, c.group_id, c.comment_id)
          < (%(before_published_at)s, %(before_group_id)s, %(before_comment_id)s)
    ORDER BY c.published_at DESC, c.group_id DESC, c.comment_id DESC
    LIMIT 300
) AS recent
WHERE recent.search @@ (SELECT websearch_to_tsquery('russian', %(words)s))
  AND (%(hashtags)s::text[] IS NULL OR recent.hashtags @> %(hashtags)s)
  AND (%(mentions)s::text[] IS NULL OR recent.mentions @> %(mentions)s)
ORDER BY recent.published_at DESC, recent.group_id DESC, recent.comment_id DESC
LIMIT %(limit)s;
