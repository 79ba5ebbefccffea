-- What search's statistics need of its words (query/search.py word_facts): the lexemes every
-- match holds (its query without negations, querytree, which also drops a branch of OR
-- that is a negation), whether any of them may stand for another (OR), and whether the words
-- must stand side by side (a phrase: in quotes, or a hyphenated word), with the keys of the
-- pairs that must stand at adjacent positions (comments_phrase_pairs_idx finds those); and
-- whether they search for anything at all (stop words do not).
SELECT numnode(q) > 0 AS searchable,
       vk.tsquery_lexemes(querytree(q)) AS lexemes,
       vk.tsquery_pairs(querytree(q)) AS pairs,
       querytree(q)::text ~ '[|]' AS any_of,
       q::text ~ '<(->|[0-9]+>)' AS phrase
FROM websearch_to_tsquery('russian', %(words)s) AS q;
