-- Why comments of a post were or were not loaded (VK error 212: comments closed). The rows
-- are locked first, in key order, as the posts merge of a concurrent run locks them: an UPDATE
-- alone takes them in whatever order its plan visits them, and two orders can deadlock.
WITH wanted AS (
    SELECT * FROM unnest(%(post_ids)s::bigint[], %(statuses)s::text[], %(reasons)s::text[])
         AS s(post_id, status, reason)
),
locked AS (
    SELECT p.post_id
    FROM vk.posts p JOIN wanted s USING (post_id)
    WHERE p.group_id = %(group_id)s
      AND (p.comments_status, p.comments_status_reason) IS DISTINCT FROM (s.status, s.reason)
    ORDER BY p.post_id
    FOR UPDATE OF p
)
UPDATE vk.posts AS p
SET comments_status = s.status,
    comments_status_reason = s.reason
FROM wanted s JOIN locked USING (post_id)
WHERE p.group_id = %(group_id)s
  AND p.post_id = s.post_id
  AND (p.comments_status, p.comments_status_reason) IS DISTINCT FROM (s.status, s.reason);
