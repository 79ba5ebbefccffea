-- A phrase of common words ("погода маркер") asks which comments hold its words side by side.
-- The GIN index of `search` knows which comments hold each word, not where: a phrase whose
-- words are each in millions of comments but never together could only be answered by reading
-- every comment holding them all. This index keys each comment by the pairs of lexemes at
-- adjacent positions, so a phrase's pairs (read from its query by vk.tsquery_pairs) find the
-- comments where they stand together directly. A key is a 64-bit hash of the pair: fixed
-- width whatever the words' length (a GIN key has a size limit), and a rare collision only
-- adds a candidate that the phrase's own `@@` then rejects. Only adjacent pairs (`<->`) are
-- keyed: a phrase with a stop word inside (`<2>`) matches any word in that place.
CREATE OR REPLACE FUNCTION vk.lexeme_pair_key(first_lexeme text, second_lexeme text)
RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN hashtextextended(first_lexeme || ' ' || second_lexeme, 0);

-- Every pair of a document's lexemes whose positions are adjacent, exactly as the phrase
-- operator reads them: from the stored positions (also where several lexemes share the last
-- position a tsvector can hold, hence a join and not the next position alone).
CREATE OR REPLACE FUNCTION vk.lexeme_pairs(document tsvector) RETURNS bigint[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN ARRAY(
    SELECT DISTINCT vk.lexeme_pair_key(first.lexeme, second.lexeme)
    FROM (SELECT w.lexeme, p FROM unnest(document) AS w, unnest(w.positions) AS p) AS first
    JOIN (SELECT w.lexeme, p FROM unnest(document) AS w, unnest(w.positions) AS p) AS second
      ON second.p = first.p + 1
);

-- The keys of the adjacent pairs every match of a query must hold, from the text of its
-- querytree (negations gone): lexemes joined by `<->`. NULL when it has none, or when the
-- text holds anything that could make a pair optional or loosen a lexeme (OR, NOT,
-- parentheses, a prefix or weight after `:`), which websearch_to_tsquery's phrases never do.
CREATE OR REPLACE FUNCTION vk.tsquery_pairs(query_text text) RETURNS bigint[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN (
    SELECT CASE WHEN NOT bool_or(operator IN ('|', '!', '(', ')', ':'))
                THEN array_agg(DISTINCT vk.lexeme_pair_key(before_operator, lexeme))
                         FILTER (WHERE previous_operator = '<->' AND before_operator IS NOT NULL
                                 AND lexeme IS NOT NULL) END
    FROM (
        SELECT replace(replace(m[1], '''''', ''''), '\\', '\') AS lexeme, m[2] AS operator,
               lag(m[2]) OVER (ORDER BY n) AS previous_operator,
               replace(replace(lag(m[1], 2) OVER (ORDER BY n), '''''', ''''), '\\', '\')
                   AS before_operator
        FROM regexp_matches(query_text,
                            '''((?:''''|\\.|[^''\\])*)''|(<->|<[0-9]+>|[&|!():])', 'g')
             WITH ORDINALITY AS t(m, n)
    ) AS tokens
);

-- Built the way 0012 builds its index (sql/README.md, "Online migrations"): the parent's ON
-- ONLY first, then each partition's concurrently, attached.
CREATE INDEX IF NOT EXISTS comments_phrase_pairs_idx ON ONLY vk.comments
    USING gin ((vk.lexeme_pairs(search))) WHERE NOT is_deleted;

SELECT CASE WHEN old.oid IS NOT NULL AND NOT old_index.indisvalid
            THEN format('DROP INDEX CONCURRENTLY vk.%I', old.relname) END,
       CASE WHEN old.oid IS NULL OR NOT old_index.indisvalid
            THEN format('CREATE INDEX CONCURRENTLY %I ON vk.%I '
                        'USING gin ((vk.lexeme_pairs(search))) WHERE NOT is_deleted',
                        part.relname || '_phrase_pairs_idx', part.relname) END,
       format('ALTER INDEX vk.comments_phrase_pairs_idx ATTACH PARTITION vk.%I',
              part.relname || '_phrase_pairs_idx')
FROM pg_inherits AS i
JOIN pg_class AS part ON part.oid = i.inhrelid
LEFT JOIN pg_class AS old
       ON old.relname = part.relname || '_phrase_pairs_idx' AND old.relnamespace = 'vk'::regnamespace
LEFT JOIN pg_index AS old_index ON old_index.indexrelid = old.oid
WHERE i.inhparent = 'vk.comments'::regclass
  AND NOT EXISTS (
      SELECT FROM pg_inherits AS attached
      JOIN pg_index AS x ON x.indexrelid = attached.inhrelid
      WHERE attached.inhparent = 'vk.comments_phrase_pairs_idx'::regclass AND x.indrelid = part.oid)
ORDER BY part.relname;

-- The statistics ANALYZE keeps of each partition's index below: its most common pairs and
-- the share of comments holding each, for search to tell a common phrase from a rare one
-- (query/search.py word_facts). pg_stats shows an index's statistics to its owner only, and
-- an index cannot be granted: the owner hands out these, and nothing else.
CREATE OR REPLACE FUNCTION vk.phrase_pair_statistics()
RETURNS TABLE (partition oid, pairs bigint[], pair_shares real[])
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    SELECT x.indrelid, s.most_common_elems::text::bigint[], s.most_common_elem_freqs
    FROM pg_inherits AS attached
    JOIN pg_index AS x ON x.indexrelid = attached.inhrelid
    JOIN pg_class AS c ON c.oid = x.indexrelid
    JOIN pg_stats AS s
      ON s.schemaname = 'vk' AND s.tablename = c.relname AND s.attname = 'lexeme_pairs'
    WHERE attached.inhparent = 'vk.comments_phrase_pairs_idx'::regclass
$$;

REVOKE ALL ON FUNCTION vk.phrase_pair_statistics() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION vk.phrase_pair_statistics() TO vk_reader, vk_loader;
