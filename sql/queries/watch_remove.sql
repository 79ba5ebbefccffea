-- A watch and its hits (the foreign key cascades), by name.
DELETE FROM vk.watches WHERE name = %(name)s RETURNING watch_id;
