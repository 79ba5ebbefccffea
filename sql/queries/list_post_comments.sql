-- A post's comments in thread order, one keyset page: each top-level comment, then its replies,
-- by id (ids grow with time on a wall). Deleted comments stay as placeholders so that threads
-- keep their shape. The post's publication time prunes the scan to one partition at planning;
-- comments_thread_order_idx gives the order, and the cursor's (thread, comment) pair is its
-- index condition, so a deep page costs what the first one does.
SELECT c.group_id, c.post_id, c.comment_id, c.published_at, c.from_id, c.text, c.likes_count,
       c.thread_root_id, c.reply_to_comment, c.thread_count, c.is_deleted,
       COALESCE(c.thread_root_id, c.comment_id) AS thread_id
FROM vk.comments AS c
WHERE c.group_id = %(group_id)s
  AND c.post_id = %(post_id)s
  AND c.post_published_at = %(post_published_at)s
  AND (COALESCE(c.thread_root_id, c.comment_id), c.comment_id)
      > (%(after_thread_id)s::bigint, %(after_comment_id)s::bigint)
ORDER BY COALESCE(c.thread_root_id, c.comment_id), c.comment_id
LIMIT %(limit)s;
