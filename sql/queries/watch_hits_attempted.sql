-- The outcome of one POST of these hits: delivered, or the error kept for the next load.
UPDATE vk.watch_hits
SET delivery_attempts = delivery_attempts + 1,
    delivered_at = CASE WHEN %(ok)s THEN now() END,
    last_error = %(error)s
WHERE watch_id = %(watch_id)s AND hit_id = ANY (%(hit_ids)s) AND delivered_at IS NULL;
