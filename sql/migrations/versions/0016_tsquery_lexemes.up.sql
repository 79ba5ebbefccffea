-- The lexemes a tsquery's text names, as tsvector_to_array would give them: PostgreSQL has no
-- function for it, and the text quotes each lexeme with ' and \ doubled. Given the text of
-- querytree(query) (which is text, 'T' when nothing is indexable), these are the lexemes any
-- match must hold one of: search's statistics and the keyword watches' keys both need them.
CREATE FUNCTION vk.tsquery_lexemes(query_text text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN ARRAY(
    SELECT replace(replace(m[1], '''''', ''''), '\\', '\')
    FROM regexp_matches(query_text, '''((?:''''|\\.|[^''\\])*)''', 'g') AS m
);
