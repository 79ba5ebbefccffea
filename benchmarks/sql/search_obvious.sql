-- The obvious design, for scale: every match from the GIN index, then the newest page of
-- them. The sort sees every match, so a common word costs seconds however small the page.
WITH matches AS MATERIALIZED (
    SELECT group_id, post_id, comment_id, published_at, from_id, text, likes_count
    FROM vk.comments
    WHERE NOT is_deleted AND search @@ websearch_to_tsquery('russian', %(words)s)
)
SELECT * FROM matches
ORDER BY published_at DESC, group_id DESC, comment_id DESC
LIMIT %(limit)s;
