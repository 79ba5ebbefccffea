-- What the search corpus holds: comments, matches of the broad and the rare word, size on disk,
-- monthly partitions holding comments.
SELECT count(*) AS comments,
       count(*) FILTER (WHERE search @@ websearch_to_tsquery('russian', %(broad_word)s)) AS broad,
       count(*) FILTER (WHERE search @@ websearch_to_tsquery('russian', %(rare_word)s)) AS rare,
       (SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits
        WHERE inhparent = 'vk.comments'::regclass) AS bytes,
       count(DISTINCT tableoid) AS partitions
FROM vk.comments;
