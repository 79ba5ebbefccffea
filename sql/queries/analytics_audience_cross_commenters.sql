-- The accounts that comment in more than one monitored community; the widest-reaching and
-- most active first.
INSERT INTO analytics.cross_commenters (from_id, communities, comments, group_ids,
                                        likes_received, last_comment_at, period_start, period_end)
SELECT from_id, count(DISTINCT group_id), count(*), array_agg(DISTINCT group_id ORDER BY group_id),
       sum(likes_count), max(published_at), %(start)s, %(end)s
FROM audience_comments
GROUP BY from_id
HAVING count(DISTINCT group_id) > 1
RETURNING from_id, communities, comments, group_ids, likes_received, last_comment_at;
