-- The export benchmark's comments: one community, %(posts)s posts over the 30 days before now,
-- %(comments_per_post)s comments each, every one holding the searched word among Cyrillic
-- text and an emoji (what an export must carry intact), in one set-based statement.
WITH community AS (
    INSERT INTO vk.groups (group_id, name, validation_status)
    VALUES (1, 'Погода и люди', 'valid')
), posts AS (
    INSERT INTO vk.posts (group_id, post_id, published_at, comments_count, raw)
    SELECT 1, p, now() - interval '30 days' + (p::float8 / %(posts)s) * interval '29 days',
           %(comments_per_post)s, '{}'
    FROM generate_series(1, %(posts)s) AS p
    RETURNING group_id, post_id, published_at
)
INSERT INTO vk.comments (group_id, comment_id, post_id, post_published_at, published_at,
                         from_id, text, likes_count, raw)
SELECT p.group_id, p.post_id * 1000 + n, p.post_id, p.published_at,
       p.published_at + n * interval '1 second',
       1 + (p.post_id * 7 + n * 13) %% 50000,
       (ARRAY['Погода сегодня отличная ☀️', 'погода, как обычно, «так себе» 🌧',
              'Какая погода в Москве? 🤔', 'weather: погода and "quotes", commas'])[1 + n %% 4],
       n %% 7, '{}'
FROM posts AS p
CROSS JOIN generate_series(1, %(comments_per_post)s) AS n;
