-- The ingest benchmark into a sweep corpus: the corpus's newest month of posts, where new
-- comments land, and how many comments it and the whole corpus hold before.
SELECT date_trunc('month', max(p.published_at)) AS month_start,
       (SELECT count(*) FROM vk.comments AS c
        WHERE c.post_published_at >= date_trunc('month', max(p.published_at))) AS month_comments,
       (SELECT count(*) FROM vk.comments) AS comments
FROM vk.posts AS p;
