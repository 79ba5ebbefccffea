SELECT dagster_run_id FROM vk.tasks
WHERE dagster_run_id IS NOT NULL AND status IN ('pending', 'processing');
