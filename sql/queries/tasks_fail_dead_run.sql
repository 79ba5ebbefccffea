-- The task of a run found dead follows it at once, whether or not a daemon mirrors runs (the
-- reconciliation later writes the same status with Dagster's own message).
UPDATE vk.tasks
SET status = 'failed', error_message = COALESCE(error_message, %(reason)s), finished_at = now()
WHERE dagster_run_id = %(run_id)s AND status IN ('pending', 'processing');
