-- A list uploaded to replace the current one: communities not on it are taken off monitoring,
-- their rows and history kept (soft delete).
UPDATE vk.groups
SET is_monitored = false, unmonitored_at = now()
WHERE is_monitored AND group_id <> ALL(%(group_ids)s);
