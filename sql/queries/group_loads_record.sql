-- Communities this attempt has loaded, recorded in the transaction that stored their rows;
-- entries older than any retry or re-execution worth resuming are forgotten on the way.
WITH forgotten AS (
    DELETE FROM vk.group_loads WHERE loaded_at < now() - interval '30 days'
)
INSERT INTO vk.group_loads (root_run_id, asset, window_start, window_end, group_id)
SELECT %(root_run_id)s, %(asset)s, %(start)s, %(end)s, loaded.group_id
FROM unnest(%(group_ids)s::bigint[]) AS loaded (group_id)
ON CONFLICT DO NOTHING;
