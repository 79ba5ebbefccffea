-- Work other applications asked for: pending rows no run has taken yet, oldest first.
SELECT task_id, kind, asset_selection, partition_start, partition_end, params, requested_by
FROM vk.tasks
WHERE status = 'pending' AND dagster_run_id IS NULL AND task_id > %(after_task_id)s
ORDER BY task_id
LIMIT 100;
