-- A comments table of millions of rows in a minute or two: groups, posts spread over the
-- months before now, and comments_per_post comments each, in one set-based statement (the
-- foreign keys are checked at its end, when the posts and groups are there). Texts are short
-- and few: the point is the table's size, not its words.
WITH groups AS (
    INSERT INTO vk.groups (group_id, name, validation_status)
    SELECT g, 'Group ' || g, 'valid' FROM generate_series(1, 20) AS g
    ON CONFLICT DO NOTHING
), posts AS (
    INSERT INTO vk.posts (group_id, post_id, published_at, comments_count, raw)
    SELECT 1 + p %% 20, p,
           date_trunc('month', now()) - interval '1 month' * %(months)s
               + (p::float8 / %(posts)s) * (interval '1 month' * %(months)s),
           %(comments_per_post)s, '{}'
    FROM generate_series(1, %(posts)s) AS p
    RETURNING group_id, post_id, published_at
)
INSERT INTO vk.comments (group_id, comment_id, post_id, post_published_at, published_at,
                         from_id, text, likes_count, raw)
SELECT p.group_id, p.post_id * 1000 + n, p.post_id, p.published_at,
       p.published_at + n * interval '1 minute',
       1 + (p.post_id * 7 + n * 13) %% 50000,
       (ARRAY['привет', 'погода хорошая', 'согласен', 'thanks', 'да'])[1 + n %% 5],
       n %% 7, '{}'
FROM posts AS p
CROSS JOIN generate_series(1, %(comments_per_post)s) AS n;
