-- The community the per-group search figures are taken in: the one where the rare word is
-- found most, so that the selective query there returns rows.
SELECT group_id
FROM vk.comments
WHERE NOT is_deleted AND search @@ websearch_to_tsquery('russian', %(rare_word)s)
GROUP BY group_id
ORDER BY count(*) DESC, group_id
LIMIT 1;
