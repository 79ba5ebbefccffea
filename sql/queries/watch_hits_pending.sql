-- A watch's hits not yet delivered, oldest first: this load's and any an earlier failed POST left.
SELECT hit_id, group_id, post_id, comment_id, published_at, from_id, text, delivery_attempts
FROM vk.watch_hits
WHERE watch_id = %(watch_id)s AND delivered_at IS NULL
ORDER BY hit_id
LIMIT %(limit)s;
