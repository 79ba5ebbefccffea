-- The ingest benchmark's communities out of a sweep corpus again (from %(path_ids)s on), so
-- that the corpus measures what it measured before.
DELETE FROM vk.comments WHERE group_id >= %(path_ids)s;
DELETE FROM vk.posts WHERE group_id >= %(path_ids)s;
DELETE FROM vk.groups WHERE group_id >= %(path_ids)s;
