-- A run launched for a requested task: the task's row follows that run from now on.
UPDATE vk.tasks
SET dagster_run_id = %(run_id)s
WHERE task_id = %(task_id)s AND dagster_run_id IS NULL;
