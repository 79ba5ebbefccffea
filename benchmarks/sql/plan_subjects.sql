-- What the plans in sql/README.md are shown for: the busiest author and the post with most
-- comments.
SELECT (SELECT from_id FROM vk.comments WHERE NOT is_deleted
        GROUP BY from_id ORDER BY count(*) DESC LIMIT 1) AS author_id,
       p.group_id, p.post_id, p.published_at
FROM vk.posts AS p
ORDER BY p.comments_count DESC
LIMIT 1;
