SELECT status, count(*) AS tasks
FROM vk.tasks
GROUP BY status
ORDER BY status;
