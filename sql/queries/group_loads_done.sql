-- Communities an earlier attempt of this run (or of the run it re-executes) has loaded for
-- this asset and these days.
SELECT group_id
FROM vk.group_loads
WHERE root_run_id = %(root_run_id)s
  AND asset = %(asset)s
  AND window_start = %(start)s
  AND window_end = %(end)s;
