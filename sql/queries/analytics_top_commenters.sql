-- The most active commenters of [start, end): comments written (deleted ones not counted),
-- posts and communities they commented on, likes their comments got. Negative ids are
-- communities answering on their own walls.
SELECT c.from_id,
       count(*) AS comments,
       count(DISTINCT (c.group_id, c.post_id)) AS posts,
       count(DISTINCT c.group_id) AS communities,
       sum(c.likes_count) AS likes_received,
       max(c.published_at) AS last_comment_at
FROM vk.comments AS c
WHERE c.published_at >= %(start)s AND c.published_at < %(end)s
  AND NOT c.is_deleted
  -- Always true of a comment not deleted; stated so that comments_commenters_idx serves it.
  AND c.from_id IS NOT NULL
GROUP BY c.from_id
ORDER BY comments DESC, likes_received DESC, c.from_id
LIMIT %(top)s;
