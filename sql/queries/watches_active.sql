-- The watches a load evaluates; the webhook URL is for delivery only and never shown unmasked.
SELECT watch_id, name, query, group_ids, webhook_url
FROM vk.watches
WHERE is_active
ORDER BY watch_id;
