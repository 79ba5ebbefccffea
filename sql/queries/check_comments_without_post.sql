-- A comment's post must exist, with the publication time the comment is partitioned by.
SELECT count(*) AS failures
FROM vk.comments c
WHERE c.post_published_at >= %(start)s AND c.post_published_at < %(end)s
  AND NOT EXISTS (
      SELECT 1 FROM vk.posts p
      WHERE p.group_id = c.group_id AND p.post_id = c.post_id
        AND p.published_at = c.post_published_at);
