-- A walk of the months tier (search_month_walk.sql) reads its month in a time index's order
-- and stops early: no plan that reads and sorts the whole month instead. One statement, so
-- that it goes pipelined with the walk.
SELECT set_config(name, 'off', false)
FROM pg_settings
WHERE name IN ('enable_sort', 'enable_bitmapscan', 'enable_seqscan');
