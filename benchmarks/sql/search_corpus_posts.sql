-- A search corpus made set-based and reproducibly (setseed), in three scripts: this one makes
-- the communities, their monthly comment partitions and posts spread over the months;
-- search_corpus_comments.sql the comments (in parts, which sessions can make side by side);
-- search_corpus_counts.sql the posts' comment counters. Each runs through a client-side cursor:
-- several statements, one call.
SELECT setseed(0.42);

INSERT INTO vk.groups (group_id, name, screen_name, validation_status, members_count)
SELECT g, 'Benchmark group ' || g, 'bench' || g, 'valid', 10000 + g * 1000
FROM generate_series(1, %(groups)s) AS g;

SELECT vk.ensure_comment_partitions(%(first_day)s::timestamptz - interval '1 month',
                                    %(last_day)s::timestamptz + interval '1 month');

-- Post ids leave room for 999 comments after each, as VK's shared id sequence per wall does.
INSERT INTO vk.posts (group_id, post_id, published_at, text, likes_count, reposts_count,
                      comments_count, views_count, raw)
SELECT g, p * 1000,
       %(first_day)s::timestamptz
           + random() * (%(last_day)s::timestamptz - %(first_day)s::timestamptz),
       'post ' || p, (random() * 200)::int, (random() * 20)::int, 0, (random() * 20000)::int, '{}'
FROM generate_series(1, %(groups)s) AS g, generate_series(1, %(posts_per_group)s) AS p;
