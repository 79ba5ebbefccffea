-- Today's audience of each staged community (VK keeps no history: growth needs these).
INSERT INTO vk.group_snapshots (group_id, snapshot_date, members_count)
SELECT DISTINCT ON (group_id) group_id, %(snapshot_date)s, members_count
FROM groups_staging
WHERE members_count IS NOT NULL
ORDER BY group_id
ON CONFLICT (group_id, snapshot_date) DO UPDATE SET members_count = EXCLUDED.members_count
WHERE vk.group_snapshots.members_count <> EXCLUDED.members_count;
