SELECT count(*) AS failures
FROM vk.posts
WHERE published_at >= %(start)s AND published_at < %(end)s
  AND (comments_count < 0 OR likes_count < 0 OR reposts_count < 0 OR views_count < 0);
