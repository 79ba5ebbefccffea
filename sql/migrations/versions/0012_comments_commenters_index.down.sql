-- A partitioned index cannot be dropped CONCURRENTLY, and its partitions' indexes cannot be
-- detached: the drop takes an exclusive lock on vk.comments and every partition, held for a
-- moment (catalog and files only). Waiting for that lock queues the loads, so the statement
-- waits briefly and is retried (sql_files.run_sql_file_online) rather than waiting long.
DROP INDEX IF EXISTS vk.comments_commenters_idx;
