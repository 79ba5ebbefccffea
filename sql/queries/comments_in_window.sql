SELECT count(*) AS comments
FROM vk.comments
WHERE post_published_at >= %(start)s AND post_published_at < %(end)s;
