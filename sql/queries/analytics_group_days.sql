-- Per community and day (days of %(timezone)s) in [start, end): posts published, comments
-- written, reactions to that day's posts (likes + reposts + comments), the audience, ER day =
-- reactions / members × 100 with its 7- and 28-day rolling averages, and members growth since
-- the previous daily snapshot (on days that have one). The audience of a day is the latest
-- snapshot up to it, else the first one after, else today's count, as for ER post
-- (analytics_post_engagement.sql). Days without posts count as ER 0; the calendar starts 27
-- days early so that the first day's averages see full windows.
WITH bounds AS (
    SELECT (%(start)s::timestamptz AT TIME ZONE %(timezone)s)::date AS first_day,
           ((%(end)s::timestamptz AT TIME ZONE %(timezone)s) - interval '1 microsecond')::date
               AS last_day
),
calendar AS (
    SELECT g.group_id, g.name AS group_name, g.members_count AS members_now,
           bounds.first_day - 27 + n AS day
    FROM vk.groups AS g
    CROSS JOIN bounds
    CROSS JOIN generate_series(0, bounds.last_day - bounds.first_day + 27) AS n
    WHERE g.is_monitored
       OR EXISTS (SELECT 1 FROM vk.posts AS p
                  WHERE p.group_id = g.group_id
                    AND p.published_at >= %(start)s AND p.published_at < %(end)s)
),
post_days AS (
    SELECT p.group_id, (p.published_at AT TIME ZONE %(timezone)s)::date AS day,
           count(*) AS posts,
           sum(p.likes_count + p.reposts_count + p.comments_count) AS reactions
    FROM vk.posts AS p
    WHERE p.published_at >= %(start)s::timestamptz - interval '28 days'
      AND p.published_at < %(end)s
      AND NOT p.is_deleted_on_vk
    GROUP BY 1, 2
),
comment_days AS (
    SELECT c.group_id, (c.published_at AT TIME ZONE %(timezone)s)::date AS day,
           count(*) AS comments
    FROM vk.comments AS c
    WHERE c.published_at >= %(start)s AND c.published_at < %(end)s
      AND NOT c.is_deleted
    GROUP BY 1, 2
),
daily AS (
    SELECT cal.group_id, cal.group_name, cal.day,
           COALESCE(pd.posts, 0) AS posts,
           COALESCE(cd.comments, 0) AS comments,
           COALESCE(pd.reactions, 0) AS reactions,
           COALESCE(known.members_count, upcoming.members_count, cal.members_now) AS members,
           today.members_count - previous.members_count AS members_growth
    FROM calendar AS cal
    LEFT JOIN post_days AS pd USING (group_id, day)
    LEFT JOIN comment_days AS cd USING (group_id, day)
    LEFT JOIN vk.group_snapshots AS today
           ON today.group_id = cal.group_id AND today.snapshot_date = cal.day
    LEFT JOIN LATERAL (
        SELECT s.members_count FROM vk.group_snapshots AS s
        WHERE s.group_id = cal.group_id AND s.snapshot_date <= cal.day
        ORDER BY s.snapshot_date DESC LIMIT 1
    ) AS known ON true
    LEFT JOIN LATERAL (
        SELECT s.members_count FROM vk.group_snapshots AS s
        WHERE s.group_id = cal.group_id AND s.snapshot_date > cal.day
        ORDER BY s.snapshot_date LIMIT 1
    ) AS upcoming ON known.members_count IS NULL
    LEFT JOIN LATERAL (
        SELECT s.members_count FROM vk.group_snapshots AS s
        WHERE s.group_id = cal.group_id AND s.snapshot_date < cal.day
        ORDER BY s.snapshot_date DESC LIMIT 1
    ) AS previous ON today.members_count IS NOT NULL
),
rated AS (
    SELECT daily.*,
           (100.0 * reactions / NULLIF(members, 0))::float8 AS er_day
    FROM daily
),
rolling AS (
    SELECT rated.*,
           avg(er_day) OVER (PARTITION BY group_id ORDER BY day
                             ROWS BETWEEN 6 PRECEDING AND CURRENT ROW) AS er_day_avg_7,
           avg(er_day) OVER (PARTITION BY group_id ORDER BY day
                             ROWS BETWEEN 27 PRECEDING AND CURRENT ROW) AS er_day_avg_28
    FROM rated
)
SELECT group_id, group_name, day, posts, comments, reactions, members, members_growth,
       er_day, er_day_avg_7, er_day_avg_28
FROM rolling, bounds
WHERE day >= bounds.first_day
ORDER BY group_id, day;
