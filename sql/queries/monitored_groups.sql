SELECT group_id, screen_name, validation_status, validation_reason
FROM vk.groups
WHERE is_monitored
ORDER BY group_id;
