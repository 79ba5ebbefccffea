-- The words and the hashtags used in most comments of [start, end). Words are the search
-- column's lexemes: stemmed, stop words gone, so "погоду" and "погода" count as one ("погод").
-- Lexemes of one or two characters and bare numbers say little and are left out.
(
    SELECT 'word' AS kind, w.lexeme AS term, count(*) AS comments
    FROM vk.comments AS c
    CROSS JOIN LATERAL unnest(c.search) AS w
    WHERE c.published_at >= %(start)s AND c.published_at < %(end)s
      AND NOT c.is_deleted
      AND char_length(w.lexeme) > 2
      AND w.lexeme ~ '[[:alpha:]]'
    GROUP BY w.lexeme
    ORDER BY comments DESC, term
    LIMIT %(top)s
)
UNION ALL
(
    SELECT 'hashtag' AS kind, '#' || h.tag AS term, count(*) AS comments
    FROM vk.comments AS c
    CROSS JOIN LATERAL unnest(c.hashtags) AS h(tag)
    WHERE c.published_at >= %(start)s AND c.published_at < %(end)s
      AND NOT c.is_deleted
      AND c.hashtags <> '{}'
    GROUP BY h.tag
    ORDER BY comments DESC, term
    LIMIT %(top)s
);
