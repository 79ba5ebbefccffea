SELECT count(*) AS failures
FROM vk.comments
WHERE post_published_at >= %(start)s AND post_published_at < %(end)s
  AND (likes_count < 0 OR thread_count < 0);
