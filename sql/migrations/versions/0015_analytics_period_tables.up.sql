-- The analytics that answer for a whole period rather than for a day or a post, as tables
-- (schema analytics, readable by vk_reader through the default privileges of 0013). A row is
-- keyed by the period it was computed for, its first and last day (both included) in the
-- partitions' time zone: the last 30 days and the last 7 are different answers and stand side
-- by side. Each asset run replaces the rows of its own period; each table is named after the
-- asset that writes it.

-- The heat map's cells, community by community: weekday and hour of publication.
CREATE TABLE analytics.posting_time_heatmap (
    period_start date        NOT NULL,
    period_end   date        NOT NULL,
    group_id     bigint      NOT NULL,
    weekday      smallint    NOT NULL CHECK (weekday BETWEEN 0 AND 6),  -- 0 is Monday
    hour         smallint    NOT NULL CHECK (hour BETWEEN 0 AND 23),
    posts        integer     NOT NULL CHECK (posts > 0),
    -- NULL when no post of the cell had a known audience.
    avg_er_post  float8      CHECK (avg_er_post >= 0),
    computed_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (period_end >= period_start),
    PRIMARY KEY (period_start, period_end, group_id, weekday, hour)
);

-- The period's posts with the highest ER post, as many as the run's `top` asked for.
CREATE TABLE analytics.top_posts_of_period (
    period_start  date        NOT NULL,
    period_end    date        NOT NULL,
    rank          integer     NOT NULL CHECK (rank >= 1),  -- 1 is the highest ER post
    group_id      bigint      NOT NULL,
    post_id       bigint      NOT NULL,
    published_at  timestamptz NOT NULL,
    reactions     integer     NOT NULL CHECK (reactions >= 0),
    members_count integer     NOT NULL CHECK (members_count > 0),
    er_post       float8      NOT NULL CHECK (er_post >= 0),
    er_view       float8      CHECK (er_view >= 0),  -- NULL when VK gave no views
    computed_at   timestamptz NOT NULL DEFAULT now(),
    CHECK (period_end >= period_start),
    PRIMARY KEY (period_start, period_end, rank),
    UNIQUE (period_start, period_end, group_id, post_id)
);

-- Average ERs by content type (an attachment type, 'text' or 'repost'; a post with a photo
-- and a video counts for both) and by text length (the buckets of
-- assets/reporting/frames.py's TEXT_LENGTHS).
CREATE TABLE analytics.engagement_by_content (
    period_start date        NOT NULL,
    period_end   date        NOT NULL,
    dimension    text        NOT NULL CHECK (dimension IN ('content_type', 'text_length')),
    bucket       text        NOT NULL,
    posts        integer     NOT NULL CHECK (posts > 0),
    avg_er_post  float8      CHECK (avg_er_post >= 0),
    avg_er_view  float8      CHECK (avg_er_view >= 0),
    computed_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (period_end >= period_start),
    CHECK (dimension = 'content_type'
           OR bucket IN ('no text', '1-100', '101-500', '501-1000', 'over 1000')),
    PRIMARY KEY (period_start, period_end, dimension, bucket)
);

-- The period's most active commenters; a negative from_id is a community answering on a wall.
CREATE TABLE analytics.top_commenters (
    period_start    date        NOT NULL,
    period_end      date        NOT NULL,
    from_id         bigint      NOT NULL,
    comments        integer     NOT NULL CHECK (comments > 0),
    posts           integer     NOT NULL CHECK (posts > 0 AND posts <= comments),
    communities     integer     NOT NULL CHECK (communities > 0 AND communities <= posts),
    likes_received  bigint      NOT NULL CHECK (likes_received >= 0),
    last_comment_at timestamptz NOT NULL,
    computed_at     timestamptz NOT NULL DEFAULT now(),
    CHECK (period_end >= period_start),
    PRIMARY KEY (period_start, period_end, from_id)
);

-- The words (stemmed) and hashtags used in most of the period's comments.
CREATE TABLE analytics.comment_terms (
    period_start date        NOT NULL,
    period_end   date        NOT NULL,
    kind         text        NOT NULL CHECK (kind IN ('word', 'hashtag')),
    term         text        NOT NULL CHECK (term <> ''),  -- a hashtag keeps its '#'
    comments     integer     NOT NULL CHECK (comments > 0),
    computed_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (period_end >= period_start),
    CHECK (kind = 'word' OR term LIKE '#%'),
    PRIMARY KEY (period_start, period_end, kind, term)
);
