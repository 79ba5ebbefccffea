-- Comments: tens of millions of rows, so range-partitioned by month on the publication time of
-- their post. The post's time never changes, so a comment never moves between partitions, and a
-- date-partition reload touches one or two months only.

CREATE TABLE vk.comments (
    group_id          bigint NOT NULL,
    comment_id        bigint NOT NULL CHECK (comment_id > 0),
    post_id           bigint NOT NULL,
    post_published_at timestamptz NOT NULL,
    published_at      timestamptz NOT NULL,
    -- NULL for deleted comments: VK gives them no author and no text.
    from_id           bigint,
    text              text NOT NULL DEFAULT '',
    likes_count       integer NOT NULL DEFAULT 0 CHECK (likes_count >= 0),
    reply_to_user     bigint,
    reply_to_comment  bigint,
    -- The top-level comment of the branch; NULL for top-level comments themselves.
    thread_root_id    bigint,
    thread_count      integer NOT NULL DEFAULT 0 CHECK (thread_count >= 0),
    is_deleted        boolean NOT NULL DEFAULT false,
    attachment_types  text[] NOT NULL DEFAULT '{}',
    hashtags          text[] NOT NULL DEFAULT '{}',
    mentions          text[] NOT NULL DEFAULT '{}',
    raw               jsonb NOT NULL CHECK (jsonb_typeof(raw) = 'object'),
    -- The 'russian' configuration stems Cyrillic words with the Russian Snowball stemmer and
    -- ASCII words with the English one, so one column serves both languages.
    search            tsvector GENERATED ALWAYS AS (to_tsvector('russian'::regconfig, text)) STORED,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    -- A partitioned table's keys must include the partition column.
    PRIMARY KEY (group_id, comment_id, post_published_at),
    CONSTRAINT comments_post_fk FOREIGN KEY (group_id, post_id, post_published_at)
        REFERENCES vk.posts (group_id, post_id, published_at) ON UPDATE CASCADE,
    CONSTRAINT comments_author_unless_deleted CHECK (is_deleted OR from_id IS NOT NULL),
    CONSTRAINT comments_deleted_have_no_text CHECK (NOT is_deleted OR text = ''),
    CONSTRAINT comments_not_own_root CHECK (thread_root_id <> comment_id),
    CONSTRAINT comments_after_post CHECK (published_at >= post_published_at)
) PARTITION BY RANGE (post_published_at);

-- Listing a post's comments, threads in order (comment ids grow with time).
CREATE INDEX comments_post_idx ON vk.comments (group_id, post_id, comment_id);
-- A group's comments newest first; deleted ones are never listed.
CREATE INDEX comments_group_time_idx ON vk.comments (group_id, published_at DESC)
    WHERE NOT is_deleted;
-- Full-text search.
CREATE INDEX comments_search_idx ON vk.comments USING gin (search);

CREATE TRIGGER comments_touch BEFORE UPDATE ON vk.comments
    FOR EACH ROW EXECUTE FUNCTION vk.touch_updated_at();

-- Creates the monthly partitions covering [from_ts, to_ts). SECURITY DEFINER so the loader role
-- can get a partition made without owning vk.comments; the advisory lock keeps two runs from
-- racing to create the same month.
CREATE FUNCTION vk.ensure_comment_partitions(from_ts timestamptz, to_ts timestamptz)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
DECLARE
    month_start timestamp := date_trunc('month', from_ts AT TIME ZONE 'UTC');
    partition_name text;
    created integer := 0;
BEGIN
    IF to_ts <= from_ts THEN
        RETURN 0;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('vk.comments partitions'));
    WHILE month_start < (to_ts AT TIME ZONE 'UTC') LOOP
        partition_name := format('comments_%s', to_char(month_start, 'YYYY_MM'));
        IF to_regclass(format('vk.%I', partition_name)) IS NULL THEN
            EXECUTE format(
                'CREATE TABLE vk.%I PARTITION OF vk.comments FOR VALUES FROM (%L) TO (%L)',
                partition_name,
                month_start AT TIME ZONE 'UTC',
                (month_start + interval '1 month') AT TIME ZONE 'UTC');
            created := created + 1;
        END IF;
        month_start := month_start + interval '1 month';
    END LOOP;
    RETURN created;
END
$$;
REVOKE EXECUTE ON FUNCTION vk.ensure_comment_partitions(timestamptz, timestamptz) FROM PUBLIC;

-- The months around today exist from the start; the loader asks for older ones as it needs them.
SELECT vk.ensure_comment_partitions(now() - interval '1 month', now() + interval '2 months');
