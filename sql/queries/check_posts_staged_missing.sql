-- Community days on which VK showed posts (this load staged them) that the table does not hold.
SELECT DISTINCT s.group_id, (s.published_at AT TIME ZONE %(timezone)s)::date AS day
FROM posts_staging s
WHERE NOT EXISTS (
    SELECT 1 FROM vk.posts p
    WHERE p.group_id = s.group_id AND p.post_id = s.post_id AND NOT p.is_deleted_on_vk)
ORDER BY 1, 2
LIMIT 50;
