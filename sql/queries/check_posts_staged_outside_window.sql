SELECT count(*) AS failures
FROM posts_staging
WHERE published_at < %(start)s OR published_at >= %(end)s;
