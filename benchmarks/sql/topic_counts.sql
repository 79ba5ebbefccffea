-- How many comments each topic word of the corpus is in (its draws are random).
SELECT w.word,
       (SELECT count(*) FROM vk.comments AS c
        WHERE NOT c.is_deleted AND c.search @@ plainto_tsquery('russian', w.word)) AS matches
FROM unnest(%(words)s::text[]) AS w(word);
