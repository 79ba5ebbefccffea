-- One Dagster run mirrored into vk.tasks. Status only moves forward (pending -> processing ->
-- completed | failed): run status events may arrive late or twice, and the reconciling asset
-- may see an older picture than the sensor did. Progress is left to the run's own steps,
-- except that a completed run is complete.
INSERT INTO vk.tasks AS t (
    kind, status, dagster_run_id, asset_selection, partition_start, partition_end, params,
    error_message, requested_by, created_at, started_at, finished_at, progress_done, progress_total)
VALUES (
    %(kind)s, %(status)s, %(run_id)s, %(asset_selection)s, %(partition_start)s, %(partition_end)s,
    %(params)s, %(error_message)s, %(requested_by)s, COALESCE(%(created_at)s, now()), %(started_at)s,
    %(finished_at)s, 0, NULL)
ON CONFLICT (dagster_run_id) DO UPDATE SET
    status = CASE WHEN (CASE EXCLUDED.status WHEN 'pending' THEN 0 WHEN 'processing' THEN 1 ELSE 2 END)
                    >= (CASE t.status WHEN 'pending' THEN 0 WHEN 'processing' THEN 1 ELSE 2 END)
                  THEN EXCLUDED.status ELSE t.status END,
    kind = EXCLUDED.kind,
    asset_selection = EXCLUDED.asset_selection,
    partition_start = COALESCE(t.partition_start, EXCLUDED.partition_start),
    partition_end = COALESCE(t.partition_end, EXCLUDED.partition_end),
    error_message = COALESCE(EXCLUDED.error_message, t.error_message),
    started_at = COALESCE(t.started_at, EXCLUDED.started_at),
    finished_at = COALESCE(t.finished_at, EXCLUDED.finished_at),
    progress_total = CASE WHEN EXCLUDED.status = 'completed'
                          THEN GREATEST(COALESCE(t.progress_total, 0), t.progress_done)
                          ELSE t.progress_total END,
    progress_done = CASE WHEN EXCLUDED.status = 'completed'
                         THEN GREATEST(COALESCE(t.progress_total, 0), t.progress_done)
                         ELSE t.progress_done END
WHERE (t.status, t.kind, t.error_message, t.started_at, t.finished_at)
      IS DISTINCT FROM (EXCLUDED.status, EXCLUDED.kind, EXCLUDED.error_message, EXCLUDED.started_at,
                        EXCLUDED.finished_at)
RETURNING task_id;
