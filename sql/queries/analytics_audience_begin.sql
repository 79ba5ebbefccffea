-- The audience asset replaces its tables' rows in one transaction: a second run waits here
-- instead of interleaving its rows with the first one's; readers keep reading the old rows
-- until the commit. The period's comments are staged once for the three tables.
LOCK TABLE analytics.commenter_audience, analytics.commenter_overlap, analytics.cross_commenters
    IN EXCLUSIVE MODE;
DELETE FROM analytics.commenter_audience;
DELETE FROM analytics.commenter_overlap;
DELETE FROM analytics.cross_commenters;
CREATE TEMP TABLE audience_comments (
    group_id bigint NOT NULL, from_id bigint NOT NULL, likes_count integer NOT NULL,
    published_at timestamptz NOT NULL
) ON COMMIT DROP;
