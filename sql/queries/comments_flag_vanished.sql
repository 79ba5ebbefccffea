-- Comments VK no longer returns for posts whose comments were read completely. VK keeps a
-- deleted comment only while it has replies; the others vanish. Both end up as deleted rows:
-- the author's choice to delete is respected (no text kept), the row and its place stay.
UPDATE vk.comments AS c
SET is_deleted = true,
    text = '',
    raw = (c.raw - 'text') || '{"deleted": true}'
WHERE c.group_id = %(group_id)s
  AND c.post_id = ANY(%(post_ids)s)
  AND c.post_published_at >= %(start)s AND c.post_published_at < %(end)s
  AND NOT c.is_deleted
  AND NOT EXISTS (
      SELECT 1 FROM comments_staging s
      WHERE s.group_id = c.group_id AND s.comment_id = c.comment_id
        AND s.post_published_at = c.post_published_at);
