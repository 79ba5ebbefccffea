-- The indexes of vk.comments but its primary key, with their definitions, to drop them for a
-- bulk insert and build them again afterwards.
SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS definition
FROM pg_index AS i
JOIN pg_class AS c ON c.oid = i.indexrelid
WHERE i.indrelid = 'vk.comments'::regclass AND NOT i.indisprimary
ORDER BY c.relname;
