DROP FUNCTION vk.ensure_comment_partitions(timestamptz, timestamptz);
DROP TABLE vk.comments;
