SELECT count(*) AS failures
FROM comments_staging
WHERE post_published_at < %(start)s OR post_published_at >= %(end)s;
