-- Size of each comments partition (with its indexes) at every snapshot since a time.
SELECT s.taken_at, r.relation, r.total_bytes
FROM ops.relation_sizes AS r
JOIN ops.health_snapshots AS s USING (snapshot_id)
WHERE r.partition_of = 'vk.comments' AND r.kind = 'table'
  AND s.taken_at >= %(since)s
ORDER BY s.taken_at, r.relation;
