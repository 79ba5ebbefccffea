-- Every watch with its hits stored and those still waiting for their webhook: `python -m query
-- watch list`, and the keyword_watches asset page.
SELECT w.watch_id, w.name, w.query, w.group_ids, w.webhook_url, w.is_active, w.looked_until,
       count(h.hit_id) AS hits,
       count(h.hit_id) FILTER (WHERE h.delivered_at IS NULL AND w.webhook_url IS NOT NULL) AS pending
FROM vk.watches AS w
LEFT JOIN vk.watch_hits AS h USING (watch_id)
GROUP BY w.watch_id
ORDER BY w.watch_id;
