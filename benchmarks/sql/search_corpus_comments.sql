-- Comments of the search corpus (see search_corpus_posts.sql), for the posts of part %(part)s of
-- %(parts)s: words follow a Zipf-like law over a pseudo-word vocabulary, plus marker words
-- whose frequencies the benchmark needs: %(broad_word)s in about a third of all comments,
-- %(rare_word)s in a handful, and topic words (benchmarks/corpus.py: topics) each used with its
-- own probability within its own periods of time, as real topics come and go. Each topic word
-- is followed by 'маркер', for phrase searches. Every session makes the same vocabulary.
SELECT setseed(0.42);

-- Pseudo-words of two to four syllables, a third of them Latin.
CREATE TEMP TABLE vocab AS
SELECT n, string_agg(
           CASE WHEN n %% 3 = 0
                THEN substr('bdfgklmnprstvz', 1 + floor(random() * 14)::int, 1)
                     || substr('aeiou', 1 + floor(random() * 5)::int, 1)
                ELSE substr('бвгджзклмнпрстфхцчш', 1 + floor(random() * 19)::int, 1)
                     || substr('аеиоуыэюя', 1 + floor(random() * 9)::int, 1)
           END, '') AS word
FROM generate_series(1, %(vocabulary)s) AS n,
     LATERAL generate_series(1, 2 + (n %% 3)) AS s
GROUP BY n;

-- Sentences of 2 to 16 words; word rank drawn log-uniformly, so frequency falls like 1/rank.
CREATE TEMP TABLE sentences AS
SELECT s AS n, string_agg(v.word, ' ' ORDER BY w) AS text
FROM generate_series(1, %(sentences)s) AS s,
     LATERAL generate_series(1, 2 + (s %% 15)) AS w,
     LATERAL (SELECT floor(exp(random() * ln(%(vocabulary)s)))::int + 0 * s + 0 * w AS rank) AS r
JOIN vocab v ON v.n = r.rank
GROUP BY s;

CREATE TEMP TABLE topics AS
SELECT * FROM unnest(%(topic_words)s::text[], %(topic_from)s::timestamptz[],
                     %(topic_to)s::timestamptz[], %(topic_p)s::float8[]) AS t(word, from_ts, to_ts, p);

CREATE TEMP TABLE hashtag_pool AS
SELECT n, tag FROM unnest(ARRAY['новости', 'москва', 'спорт', 'музыка', 'розыгрыш', 'news',
                                'event', 'sale', 'photo', 'weekend', 'питер', 'казань'])
     WITH ORDINALITY AS t(tag, n);

-- Comments: an exponential number per post (mean %(mean_comments)s), dated within days of their
-- post, 3%% deleted, 40%% replies, 5%% with a hashtag.
INSERT INTO vk.comments (group_id, comment_id, post_id, post_published_at, published_at, from_id,
                         text, likes_count, thread_root_id, is_deleted, hashtags, raw)
SELECT c.group_id, c.comment_id, c.post_id, c.post_published_at,
       c.post_published_at + c.delay,
       CASE WHEN c.deleted THEN NULL ELSE 1 + floor(random() * %(authors)s)::bigint END,
       CASE WHEN c.deleted THEN ''
            ELSE concat_ws(' ', CASE WHEN c.broad THEN %(broad_word)s END, s.text,
                           CASE WHEN c.rare THEN %(rare_word)s END,
                           (SELECT string_agg(t.word || ' маркер', ' ') FROM topics AS t
                            WHERE c.post_published_at + c.delay >= t.from_ts
                              AND c.post_published_at + c.delay < t.to_ts
                              AND random() < t.p + 0 * c.comment_id),
                           '#' || h.tag) END,
       floor(random() * random() * 20)::int,
       CASE WHEN c.k > 1 AND random() < 0.4 THEN c.post_id + 1 + floor(random() * (c.k - 1))::int END,
       c.deleted,
       CASE WHEN h.tag IS NULL OR c.deleted THEN '{}' ELSE ARRAY[h.tag] END,
       '{}'
FROM (
    SELECT p.group_id, p.post_id + k AS comment_id, p.post_id, p.published_at AS post_published_at,
           k, interval '1 second' * floor(-ln(1 - random()) * 86400 * (1 + k %% 3)) AS delay,
           random() < 0.03 AS deleted,
           random() < 1.0 / 3 AS broad,
           random() < %(rare_share)s AS rare,
           1 + floor(random() * %(sentences)s)::int AS sentence,
           CASE WHEN random() < 0.05 THEN 1 + floor(random() * 12)::int END AS hashtag
    FROM vk.posts p,
         LATERAL generate_series(1, least(999, floor(-ln(1 - random()) * %(mean_comments)s)::int + 0 * p.post_id)) AS k
    WHERE (p.group_id + p.post_id / 1000) %% %(parts)s = %(part)s
) AS c
JOIN sentences s ON s.n = c.sentence
LEFT JOIN hashtag_pool h ON h.n = c.hashtag;
