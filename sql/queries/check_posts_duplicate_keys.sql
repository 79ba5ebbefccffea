SELECT count(*) AS failures FROM (
    SELECT 1 FROM vk.posts
    WHERE published_at >= %(start)s AND published_at < %(end)s
    GROUP BY group_id, post_id HAVING count(*) > 1) AS duplicated;
