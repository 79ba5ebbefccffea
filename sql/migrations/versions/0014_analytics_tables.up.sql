-- What the analytics assets show on their pages, also as tables an analyst can query (schema
-- analytics, readable by vk_reader through the default privileges of 0013). Each asset run
-- replaces the rows of its period: the tables hold the latest answer for every day computed.
CREATE TABLE analytics.post_engagement (
    group_id       bigint      NOT NULL,
    post_id        bigint      NOT NULL,
    published_at   timestamptz NOT NULL,
    day            date        NOT NULL,  -- the day of publication, in the partitions' time zone
    likes_count    integer,
    reposts_count  integer,
    comments_count integer,
    views_count    integer,
    reactions      integer,
    members_count  integer,
    er_post        float8,
    er_view        float8,
    text_length    integer,
    computed_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (group_id, post_id)
);
CREATE INDEX post_engagement_day_idx ON analytics.post_engagement (day);

CREATE TABLE analytics.community_days (
    group_id       bigint      NOT NULL,
    day            date        NOT NULL,
    posts          integer     NOT NULL,
    comments       integer     NOT NULL,
    reactions      integer     NOT NULL,
    members        integer,
    members_growth integer,
    er_day         float8,
    er_day_avg_7   float8,
    er_day_avg_28  float8,
    computed_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (group_id, day)
);
CREATE INDEX community_days_day_idx ON analytics.community_days (day);
