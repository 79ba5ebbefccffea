SELECT count(*) AS failures
FROM vk.posts p
WHERE p.published_at >= %(start)s AND p.published_at < %(end)s
  AND NOT EXISTS (SELECT 1 FROM vk.groups g WHERE g.group_id = p.group_id);
