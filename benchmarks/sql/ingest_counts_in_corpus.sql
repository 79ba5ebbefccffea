-- Rows each side of the ingest benchmark loaded into a sweep corpus: the loading path's
-- communities from %(path_ids)s on, raw COPY's from %(raw_ids)s on.
SELECT count(*) FILTER (WHERE group_id >= %(path_ids)s AND group_id < %(raw_ids)s) AS loaded,
       count(*) FILTER (WHERE group_id >= %(raw_ids)s) AS copied
FROM vk.comments
WHERE group_id >= %(path_ids)s;
