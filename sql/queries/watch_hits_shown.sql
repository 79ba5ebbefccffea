-- The hits the asset page lists, by id.
SELECT hit_id, watch_id, group_id, post_id, comment_id, published_at, from_id, text
FROM vk.watch_hits
WHERE hit_id = ANY (%(hit_ids)s)
ORDER BY watch_id, hit_id;
