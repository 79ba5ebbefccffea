SELECT count(*) AS failures FROM (
    SELECT 1 FROM vk.comments
    WHERE post_published_at >= %(start)s AND post_published_at < %(end)s
    GROUP BY group_id, comment_id HAVING count(*) > 1) AS duplicated;
