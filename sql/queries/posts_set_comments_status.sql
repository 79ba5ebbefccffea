-- Why comments of a post were or were not loaded (VK error 212: comments closed).
UPDATE vk.posts AS p
SET comments_status = s.status,
    comments_status_reason = s.reason
FROM unnest(%(post_ids)s::bigint[], %(statuses)s::text[], %(reasons)s::text[])
     AS s(post_id, status, reason)
WHERE p.group_id = %(group_id)s
  AND p.post_id = s.post_id
  AND (p.comments_status, p.comments_status_reason) IS DISTINCT FROM (s.status, s.reason);
