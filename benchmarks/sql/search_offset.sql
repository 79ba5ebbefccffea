-- A page by OFFSET, to set keyset pages against: the server produces and drops every row
-- before the page, so page N costs N pages' work.
SELECT group_id, post_id, comment_id, published_at, from_id, text, likes_count
FROM vk.comments
WHERE NOT is_deleted AND search @@ websearch_to_tsquery('russian', %(words)s)
ORDER BY published_at DESC, group_id DESC, comment_id DESC
OFFSET %(offset)s
LIMIT %(limit)s;
