-- Posts whose loaded comments differ from VK's own counter by more than the tolerance.
SELECT p.group_id, p.post_id, p.comments_count AS vk_count, count(c.comment_id) AS loaded
FROM vk.posts p
LEFT JOIN vk.comments c
       ON c.group_id = p.group_id AND c.post_id = p.post_id
      AND c.post_published_at = p.published_at
WHERE p.published_at >= %(start)s AND p.published_at < %(end)s
  AND p.comments_status = 'open' AND NOT p.is_deleted_on_vk
GROUP BY p.group_id, p.post_id, p.comments_count
HAVING abs(count(c.comment_id) - p.comments_count)
       > GREATEST(%(absolute_tolerance)s, %(relative_tolerance)s * p.comments_count)
ORDER BY abs(count(c.comment_id) - p.comments_count) DESC
LIMIT 20;
