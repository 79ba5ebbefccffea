-- The month (of its posts) in which a word has most matches: where a bunched topic is.
SELECT date_trunc('month', post_published_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS month_start
FROM vk.comments
WHERE search @@ plainto_tsquery('russian', %(word)s)
GROUP BY 1
ORDER BY count(*) DESC
LIMIT 1;
