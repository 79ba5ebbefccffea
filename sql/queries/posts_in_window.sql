SELECT count(*) AS posts
FROM vk.posts
WHERE published_at >= %(start)s AND published_at < %(end)s;
