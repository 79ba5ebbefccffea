-- The comments of [start, end) that say who a community's audience is: written by a person
-- (from_id > 0; a community answering on a wall is not its audience), not deleted (VK keeps
-- no author for those), in a monitored community. A comment is never older than its post,
-- which bounds the partitions read.
INSERT INTO audience_comments (group_id, from_id, likes_count, published_at)
SELECT c.group_id, c.from_id, c.likes_count, c.published_at
FROM vk.comments AS c
JOIN vk.groups AS g USING (group_id)
WHERE c.published_at >= %(start)s AND c.published_at < %(end)s
  AND c.post_published_at < %(end)s
  AND NOT c.is_deleted
  AND c.from_id > 0
  AND g.is_monitored;
