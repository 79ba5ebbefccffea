-- Communities as VK describes them now. Those on an uploaded list become monitored again
-- when they had been taken off (%(monitor)s); a refresh leaves monitoring as it is.
WITH upserted AS (
    INSERT INTO vk.groups AS g (
        group_id, screen_name, name, group_type, is_closed, deactivated, members_count,
        description, photo_url, validation_status, validation_reason, raw)
    SELECT DISTINCT ON (group_id)
           group_id, screen_name, name, group_type, is_closed, deactivated, members_count,
           description, photo_url, validation_status, validation_reason, raw
    FROM groups_staging
    ORDER BY group_id
    ON CONFLICT (group_id) DO UPDATE SET
        screen_name = EXCLUDED.screen_name,
        name = EXCLUDED.name,
        group_type = EXCLUDED.group_type,
        is_closed = EXCLUDED.is_closed,
        deactivated = EXCLUDED.deactivated,
        members_count = EXCLUDED.members_count,
        description = EXCLUDED.description,
        photo_url = EXCLUDED.photo_url,
        validation_status = EXCLUDED.validation_status,
        validation_reason = EXCLUDED.validation_reason,
        raw = EXCLUDED.raw,
        last_seen_at = now(),
        is_monitored = g.is_monitored OR %(monitor)s,
        unmonitored_at = CASE WHEN g.is_monitored OR %(monitor)s THEN NULL ELSE g.unmonitored_at END
    -- created_at defaults to the transaction time: equal to now() only for rows this merge inserted.
    RETURNING (created_at = now()) AS inserted
)
SELECT count(*) FILTER (WHERE inserted)     AS inserted,
       count(*) FILTER (WHERE NOT inserted) AS updated,
       (SELECT count(DISTINCT group_id) FROM groups_staging) AS staged
FROM upserted;
