-- Every pair of monitored communities with commenters in common: how many, and the Jaccard
-- index, shared / (commenters of either), so a pair of big communities does not look close
-- only because both are big.
WITH commenters AS (
    SELECT DISTINCT group_id, from_id FROM audience_comments
),
sizes AS (
    SELECT group_id, count(*) AS commenters FROM commenters GROUP BY 1
)
INSERT INTO analytics.commenter_overlap (group_a, group_b, shared, jaccard, period_start, period_end)
SELECT a.group_id, b.group_id, count(*),
       count(*)::float8 / (size_a.commenters + size_b.commenters - count(*)), %(start)s, %(end)s
FROM commenters AS a
JOIN commenters AS b ON b.from_id = a.from_id AND b.group_id > a.group_id
JOIN sizes AS size_a ON size_a.group_id = a.group_id
JOIN sizes AS size_b ON size_b.group_id = b.group_id
GROUP BY a.group_id, b.group_id, size_a.commenters, size_b.commenters
RETURNING group_a, group_b, shared, jaccard;
