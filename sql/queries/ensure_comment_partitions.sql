SELECT vk.ensure_comment_partitions(%(start)s, %(end)s) AS created;
