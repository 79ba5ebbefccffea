-- A group's posts newest first, one keyset page (posts_group_time_idx). Posts VK no longer
-- shows are listed too, flagged.
SELECT p.group_id, p.post_id, p.published_at, p.text, p.likes_count, p.reposts_count,
       p.comments_count, p.views_count,
       p.likes_count + p.reposts_count + p.comments_count AS engagement,
       p.attachment_types, p.hashtags, p.is_deleted_on_vk
FROM vk.posts AS p
WHERE p.group_id = %(group_id)s
  AND (p.published_at, p.post_id) < (%(after_published_at)s, %(after_post_id)s::bigint)
ORDER BY p.published_at DESC, p.post_id DESC
LIMIT %(limit)s;
