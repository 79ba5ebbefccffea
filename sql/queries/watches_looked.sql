-- The watches have looked at the comments up to `end` (a rerun of older days keeps the later mark).
UPDATE vk.watches
SET looked_at = now(),
    looked_until = greatest(looked_until, %(end)s::timestamptz)
WHERE watch_id = ANY (%(watch_ids)s);
