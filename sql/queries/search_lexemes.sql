-- The lexemes of a search's words as the search column holds them (same configuration).
SELECT tsvector_to_array(to_tsvector('russian', %(words)s)) AS lexemes;
