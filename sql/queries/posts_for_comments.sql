-- The posts whose comments a date window holds: monitored groups, posts still on VK.
SELECT p.group_id, p.post_id, p.published_at
FROM vk.posts p
JOIN vk.groups g USING (group_id)
WHERE p.published_at >= %(start)s AND p.published_at < %(end)s
  AND NOT p.is_deleted_on_vk
  AND g.is_monitored
ORDER BY p.group_id, p.post_id;
