UPDATE vk.tasks
SET progress_done = LEAST(progress_done + %(units)s, COALESCE(progress_total, progress_done + %(units)s))
WHERE dagster_run_id = %(run_id)s;
