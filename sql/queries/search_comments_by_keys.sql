-- The page the newest-first walk chose (query/search_months.py), read by primary key in the
-- order given: each key looked up on its own (a lateral probe of the primary key in its post's
-- month), where a join could hash every partition.
SELECT c.group_id, c.post_id, c.comment_id, c.published_at, c.from_id, c.text, c.likes_count,
       c.thread_root_id, c.hashtags, c.mentions
FROM unnest(%(key_group_ids)s::bigint[], %(key_comment_ids)s::bigint[],
            %(key_post_times)s::timestamptz[]) WITH ORDINALITY
     AS k(group_id, comment_id, post_published_at, position)
CROSS JOIN LATERAL (
    SELECT c.group_id, c.post_id, c.comment_id, c.published_at, c.from_id, c.text,
           c.likes_count, c.thread_root_id, c.hashtags, c.mentions
    FROM vk.comments AS c
    WHERE c.group_id = k.group_id AND c.comment_id = k.comment_id
      AND c.post_published_at = k.post_published_at
    LIMIT 1
) AS c
ORDER BY k.position;
