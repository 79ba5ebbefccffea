-- A step of the run starts `units` units of work (a community each).
INSERT INTO vk.tasks AS t (kind, status, dagster_run_id, progress_done, progress_total, started_at)
VALUES ('dagster_run', 'processing', %(run_id)s, 0, %(units)s, now())
ON CONFLICT (dagster_run_id) DO UPDATE
SET progress_total = COALESCE(t.progress_total, 0) + %(units)s,
    params = t.params || jsonb_build_object('current_step', %(step)s::text);
