-- One keyset page of an analytics table in the order of its primary key, whose index answers
-- it: a deep page costs what the first does. The names in braces are filled in by
-- query/analytics.py from its fixed list of tables and from the catalog, never from what a
-- person typed; a filter column a table lacks is NULL there (and its filter refused before).
-- Filters left NULL filter nothing; the days are those the rows answer for, both included.
SELECT t.*
FROM {table} AS t
WHERE ({key}) > ({after})
  AND (%(group_id)s::bigint IS NULL OR {group_column} = %(group_id)s)
  AND (%(since)s::date IS NULL OR {first_day} >= %(since)s)
  AND (%(until)s::date IS NULL OR {last_day} <= %(until)s)
ORDER BY {key}
LIMIT %(limit)s;
