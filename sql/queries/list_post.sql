-- A post, to list its comments: its publication time names the one partition they are in.
SELECT group_id, post_id, published_at, comments_count, comments_status
FROM vk.posts
WHERE group_id = %(group_id)s AND post_id = %(post_id)s;
