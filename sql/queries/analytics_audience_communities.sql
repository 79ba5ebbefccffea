-- Per monitored community: its commenters, their comments, how many of them also comment in
-- another monitored community, and the comments of accounts seen once (one comment in the
-- period, anywhere).
WITH per_group AS (
    SELECT group_id, from_id, count(*) AS comments FROM audience_comments GROUP BY 1, 2
),
people AS (
    SELECT from_id, count(*) AS communities, sum(comments) AS comments FROM per_group GROUP BY 1
)
INSERT INTO analytics.commenter_audience (group_id, group_name, commenters, comments,
                                          cross_commenters, comments_seen_once,
                                          period_start, period_end)
SELECT g.group_id, g.name, count(pg.from_id), COALESCE(sum(pg.comments), 0),
       count(*) FILTER (WHERE p.communities > 1), count(*) FILTER (WHERE p.comments = 1),
       %(start)s, %(end)s
FROM vk.groups AS g
LEFT JOIN per_group AS pg USING (group_id)
LEFT JOIN people AS p USING (from_id)
WHERE g.is_monitored
GROUP BY g.group_id, g.name
RETURNING group_id, group_name, commenters, comments, cross_commenters, comments_seen_once;
