UPDATE vk.tasks
SET status = 'failed', error_message = %(reason)s, finished_at = now()
WHERE task_id = %(task_id)s AND status = 'pending';
