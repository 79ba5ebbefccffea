-- The communities a watch names, by id or screen name; unknown ones are reported by the caller.
SELECT group_id, screen_name
FROM vk.groups
WHERE group_id = ANY (%(ids)s) OR lower(screen_name) = ANY (%(names)s)
ORDER BY group_id;
