-- Posts stored per community and day (in the partitions' timezone) within a window.
SELECT group_id, (published_at AT TIME ZONE %(timezone)s)::date AS day, count(*) AS posts
FROM vk.posts
WHERE published_at >= %(start)s AND published_at < %(end)s AND group_id = ANY(%(group_ids)s)
GROUP BY 1, 2;
