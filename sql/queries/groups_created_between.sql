-- Communities a run added (first stored between its start and end) that can be read.
SELECT group_id
FROM vk.groups
WHERE created_at >= %(start)s AND created_at <= %(end)s
  AND is_monitored AND validation_status = 'valid'
ORDER BY group_id;
