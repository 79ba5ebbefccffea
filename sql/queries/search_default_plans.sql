-- After a search: the connection's settings as the server and the connection had them.
SELECT set_config(name, reset_val, false)
FROM pg_settings
WHERE name IN ('plan_cache_mode', 'max_parallel_workers_per_gather');
