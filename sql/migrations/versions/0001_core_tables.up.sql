-- Core tables: monitored communities, their uploads, posts and the tasks mirror.
-- Constraints carry the rules, so bad data is refused by the database whatever code writes it.

CREATE SCHEMA vk;

-- created_at/updated_at are the database's business: every table gets the same trigger.
-- Loaders update a row only when something changed, so updated_at means "last real change".
CREATE FUNCTION vk.touch_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$;

CREATE TABLE vk.groups (
    group_id          bigint PRIMARY KEY CHECK (group_id > 0),
    screen_name       text CHECK (screen_name <> ''),
    name              text NOT NULL DEFAULT '',
    group_type        text CHECK (group_type IN ('group', 'page', 'event')),
    is_closed         smallint NOT NULL DEFAULT 0 CHECK (is_closed IN (0, 1, 2)),
    deactivated       text CHECK (deactivated IN ('deleted', 'banned')),
    members_count     integer CHECK (members_count >= 0),
    description       text,
    photo_url         text,
    validation_status text NOT NULL
        CHECK (validation_status IN ('valid', 'closed', 'private', 'deleted', 'banned', 'not_found')),
    validation_reason text,
    is_monitored      boolean NOT NULL DEFAULT true,
    unmonitored_at    timestamptz,
    first_seen_at     timestamptz NOT NULL DEFAULT now(),
    last_seen_at      timestamptz NOT NULL DEFAULT now(),
    raw               jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(raw) = 'object'),
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT groups_seen_order CHECK (last_seen_at >= first_seen_at),
    CONSTRAINT groups_deactivated_status
        CHECK (deactivated IS NULL OR validation_status = deactivated),
    CONSTRAINT groups_unmonitored_when
        CHECK (is_monitored = (unmonitored_at IS NULL)),
    CONSTRAINT groups_reason_when_invalid
        CHECK (validation_status = 'valid' OR validation_reason IS NOT NULL)
);
CREATE INDEX groups_screen_name_idx ON vk.groups (lower(screen_name));
CREATE TRIGGER groups_touch BEFORE UPDATE ON vk.groups
    FOR EACH ROW EXECUTE FUNCTION vk.touch_updated_at();

-- VK gives no audience history: growth is built from one snapshot a day.
CREATE TABLE vk.group_snapshots (
    group_id      bigint NOT NULL REFERENCES vk.groups,
    snapshot_date date NOT NULL,
    members_count integer NOT NULL CHECK (members_count >= 0),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (group_id, snapshot_date)
);
CREATE TRIGGER group_snapshots_touch BEFORE UPDATE ON vk.group_snapshots
    FOR EACH ROW EXECUTE FUNCTION vk.touch_updated_at();

CREATE TABLE vk.group_uploads (
    upload_id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    file_name         text NOT NULL CHECK (file_name <> ''),
    -- One row per content: re-uploading the same bytes changes nothing.
    content_hash      text NOT NULL UNIQUE CHECK (content_hash ~ '^[0-9a-f]{64}$'),
    size_bytes        bigint NOT NULL CHECK (size_bytes >= 0),
    status            text NOT NULL DEFAULT 'received'
        CHECK (status IN ('received', 'processed', 'refused')),
    refusal_reason    text,
    received_at       timestamptz NOT NULL DEFAULT now(),
    processed_at      timestamptz,
    lines_total       integer NOT NULL DEFAULT 0 CHECK (lines_total >= 0),
    loaded_count      integer NOT NULL DEFAULT 0 CHECK (loaded_count >= 0),
    duplicate_count   integer NOT NULL DEFAULT 0 CHECK (duplicate_count >= 0),
    not_found_count   integer NOT NULL DEFAULT 0 CHECK (not_found_count >= 0),
    closed_count      integer NOT NULL DEFAULT 0 CHECK (closed_count >= 0),
    private_count     integer NOT NULL DEFAULT 0 CHECK (private_count >= 0),
    deleted_count     integer NOT NULL DEFAULT 0 CHECK (deleted_count >= 0),
    banned_count      integer NOT NULL DEFAULT 0 CHECK (banned_count >= 0),
    unparseable_count integer NOT NULL DEFAULT 0 CHECK (unparseable_count >= 0),
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT group_uploads_refusal_reason
        CHECK ((status = 'refused') = (refusal_reason IS NOT NULL)),
    CONSTRAINT group_uploads_processed_when
        CHECK ((status = 'received') = (processed_at IS NULL)),
    CONSTRAINT group_uploads_processed_order
        CHECK (processed_at IS NULL OR processed_at >= received_at),
    CONSTRAINT group_uploads_counts_add_up CHECK (
        status <> 'processed' OR lines_total = loaded_count + duplicate_count + not_found_count
            + closed_count + private_count + deleted_count + banned_count + unparseable_count)
);
CREATE TRIGGER group_uploads_touch BEFORE UPDATE ON vk.group_uploads
    FOR EACH ROW EXECUTE FUNCTION vk.touch_updated_at();

CREATE TABLE vk.group_upload_lines (
    upload_id  bigint NOT NULL REFERENCES vk.group_uploads ON DELETE CASCADE,
    line_no    integer NOT NULL CHECK (line_no > 0),
    raw_text   text NOT NULL,
    parsed_ref text,
    group_id   bigint REFERENCES vk.groups,
    outcome    text NOT NULL CHECK (outcome IN (
        'loaded', 'duplicate', 'not_found', 'closed', 'private', 'deleted', 'banned', 'unparseable')),
    reason     text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (upload_id, line_no),
    CONSTRAINT upload_lines_parsed_when CHECK ((outcome = 'unparseable') = (parsed_ref IS NULL)),
    CONSTRAINT upload_lines_loaded_group CHECK (outcome <> 'loaded' OR group_id IS NOT NULL),
    CONSTRAINT upload_lines_reason_when_not_loaded CHECK (outcome = 'loaded' OR reason IS NOT NULL)
);
CREATE INDEX group_upload_lines_group_idx ON vk.group_upload_lines (group_id) WHERE group_id IS NOT NULL;
CREATE TRIGGER group_upload_lines_touch BEFORE UPDATE ON vk.group_upload_lines
    FOR EACH ROW EXECUTE FUNCTION vk.touch_updated_at();

CREATE TABLE vk.posts (
    group_id               bigint NOT NULL REFERENCES vk.groups,
    post_id                bigint NOT NULL CHECK (post_id > 0),
    published_at           timestamptz NOT NULL,
    from_id                bigint,
    signer_id              bigint,
    post_type              text NOT NULL DEFAULT 'post',
    text                   text NOT NULL DEFAULT '',
    comments_count         integer NOT NULL DEFAULT 0 CHECK (comments_count >= 0),
    likes_count            integer NOT NULL DEFAULT 0 CHECK (likes_count >= 0),
    reposts_count          integer NOT NULL DEFAULT 0 CHECK (reposts_count >= 0),
    -- NULL, not 0, when VK leaves views out (old posts, some post types).
    views_count            integer CHECK (views_count >= 0),
    is_pinned              boolean NOT NULL DEFAULT false,
    is_ad                  boolean NOT NULL DEFAULT false,
    is_repost              boolean NOT NULL DEFAULT false,
    attachment_types       text[] NOT NULL DEFAULT '{}',
    text_length            integer GENERATED ALWAYS AS (char_length(text)) STORED,
    hashtags               text[] NOT NULL DEFAULT '{}',
    mentions               text[] NOT NULL DEFAULT '{}',
    links                  text[] NOT NULL DEFAULT '{}',
    -- Why the comments of this post were not loaded (VK error 212: comments closed).
    comments_status        text NOT NULL DEFAULT 'open'
        CHECK (comments_status IN ('open', 'closed', 'unavailable')),
    comments_status_reason text,
    is_deleted_on_vk       boolean NOT NULL DEFAULT false,
    deleted_seen_at        timestamptz,
    raw                    jsonb NOT NULL CHECK (jsonb_typeof(raw) = 'object'),
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (group_id, post_id),
    -- Target of the comments' foreign key: a comment's partition key must be its post's time.
    CONSTRAINT posts_key_with_time UNIQUE (group_id, post_id, published_at),
    CONSTRAINT posts_deleted_when CHECK (is_deleted_on_vk = (deleted_seen_at IS NOT NULL)),
    CONSTRAINT posts_comments_reason
        CHECK ((comments_status = 'open') = (comments_status_reason IS NULL))
);
CREATE INDEX posts_published_at_idx ON vk.posts (published_at);
CREATE INDEX posts_group_time_idx ON vk.posts (group_id, published_at DESC);
CREATE TRIGGER posts_touch BEFORE UPDATE ON vk.posts
    FOR EACH ROW EXECUTE FUNCTION vk.touch_updated_at();

CREATE TABLE vk.tasks (
    task_id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind            text NOT NULL CHECK (kind ~ '^[a-z][a-z_]*$'),
    status          text NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'processing', 'completed', 'failed')),
    progress_done   integer NOT NULL DEFAULT 0 CHECK (progress_done >= 0),
    progress_total  integer CHECK (progress_total >= 0),
    dagster_run_id  text UNIQUE,
    asset_selection text[] NOT NULL DEFAULT '{}',
    partition_start date,
    partition_end   date,
    params          jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(params) = 'object'),
    error_message   text,
    requested_by    text NOT NULL DEFAULT 'dagster',
    created_at      timestamptz NOT NULL DEFAULT now(),
    started_at      timestamptz,
    finished_at     timestamptz,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT tasks_progress_bounded CHECK (progress_total IS NULL OR progress_done <= progress_total),
    CONSTRAINT tasks_partition_range CHECK (partition_end >= partition_start),
    CONSTRAINT tasks_failed_has_error CHECK (status <> 'failed' OR error_message IS NOT NULL),
    CONSTRAINT tasks_finished_when
        CHECK ((status IN ('completed', 'failed')) = (finished_at IS NOT NULL)),
    CONSTRAINT tasks_time_order CHECK (finished_at >= started_at)
);
-- The request sensor polls for new work: only pending rows, oldest first.
CREATE INDEX tasks_pending_idx ON vk.tasks (created_at) WHERE status = 'pending';
CREATE TRIGGER tasks_touch BEFORE UPDATE ON vk.tasks
    FOR EACH ROW EXECUTE FUNCTION vk.touch_updated_at();
