-- The posts' comment counters, once every part of the comments is in.
UPDATE vk.posts p SET comments_count = c.n
FROM (SELECT group_id, post_id, count(*) AS n FROM vk.comments GROUP BY 1, 2) c
WHERE c.group_id = p.group_id AND c.post_id = p.post_id;
