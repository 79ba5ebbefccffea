SELECT count(*) FILTER (WHERE is_monitored) AS monitored,
       count(*)                             AS total
FROM vk.groups;
