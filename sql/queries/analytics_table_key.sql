-- The primary key of an analytics table, its columns in order with their types: the order its
-- pages are listed in and what a cursor holds, as the table's migration made them.
SELECT a.attname AS name, a.atttypid::regtype::text AS type
FROM pg_index AS i
JOIN pg_attribute AS a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
WHERE i.indrelid = to_regclass('analytics.' || %(table)s::text) AND i.indisprimary
ORDER BY array_position(i.indkey::int2[], a.attnum);
