-- Rows each side of the ingest benchmark ended with.
SELECT (SELECT count(*) FROM vk.comments) AS loaded,
       (SELECT count(*) FROM bench.comments_raw) AS copied;
