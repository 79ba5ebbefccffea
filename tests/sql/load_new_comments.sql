-- A load's batch of new comments: what the loader writes while a migration runs beside it.
INSERT INTO vk.comments (group_id, comment_id, post_id, post_published_at, published_at,
                         from_id, text, raw)
SELECT p.group_id, n, p.post_id, p.published_at, p.published_at + interval '1 second', 7,
       'новый комментарий', '{}'
FROM vk.posts AS p
CROSS JOIN generate_series(%(first)s::bigint, %(last)s::bigint) AS n
WHERE p.group_id = %(group_id)s AND p.post_id = %(post_id)s;
