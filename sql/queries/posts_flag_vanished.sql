-- Posts of the window that a complete read of their wall no longer shows: flagged, never
-- deleted, so their comments and history stay.
UPDATE vk.posts AS p
SET is_deleted_on_vk = true,
    deleted_seen_at = now()
WHERE p.group_id = ANY(%(group_ids)s)
  AND p.published_at >= %(start)s AND p.published_at < %(end)s
  AND NOT p.is_deleted_on_vk
  AND NOT EXISTS (
      SELECT 1 FROM posts_staging s WHERE s.group_id = p.group_id AND s.post_id = p.post_id);
