-- After a walk (search_walk_plans.sql): the settings as the server and the connection had them.
SELECT set_config(name, reset_val, false)
FROM pg_settings
WHERE name IN ('enable_sort', 'enable_bitmapscan', 'enable_seqscan');
