-- Engagement of every post published in [start, end) and still on VK, with what the analytics
-- assets group it by. ER post = (likes + reposts + comments) / members × 100, members being the
-- community's audience on the post's day: the latest daily snapshot up to that day, else the
-- first one after it, else today's count (VK keeps no history; snapshots start when monitoring
-- does). ER view = the same reactions / views × 100; NULL when VK gave no views.
SELECT p.group_id, g.name AS group_name, p.post_id, p.published_at,
       p.published_at AT TIME ZONE %(timezone)s AS local_time,
       p.likes_count, p.reposts_count, p.comments_count, p.views_count,
       p.likes_count + p.reposts_count + p.comments_count AS reactions,
       members.members_count,
       (100.0 * (p.likes_count + p.reposts_count + p.comments_count)
           / NULLIF(members.members_count, 0))::float8 AS er_post,
       (100.0 * (p.likes_count + p.reposts_count + p.comments_count)
           / NULLIF(p.views_count, 0))::float8 AS er_view,
       p.text_length, p.hashtags, p.attachment_types, p.is_repost
FROM vk.posts AS p
JOIN vk.groups AS g USING (group_id)
LEFT JOIN LATERAL (
    SELECT s.members_count FROM vk.group_snapshots AS s
    WHERE s.group_id = p.group_id
      AND s.snapshot_date <= (p.published_at AT TIME ZONE %(timezone)s)::date
    ORDER BY s.snapshot_date DESC
    LIMIT 1
) AS before ON true
LEFT JOIN LATERAL (
    SELECT s.members_count FROM vk.group_snapshots AS s
    WHERE s.group_id = p.group_id
      AND s.snapshot_date > (p.published_at AT TIME ZONE %(timezone)s)::date
    ORDER BY s.snapshot_date
    LIMIT 1
) AS after ON true
CROSS JOIN LATERAL (
    SELECT COALESCE(before.members_count, after.members_count, g.members_count) AS members_count
) AS members
WHERE p.published_at >= %(start)s AND p.published_at < %(end)s
  AND NOT p.is_deleted_on_vk
ORDER BY p.published_at, p.group_id, p.post_id;
