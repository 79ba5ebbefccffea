-- Keyword watches (saved searches a person adds) and the hits each load finds for them.
-- vk.watch_hits is an outbox: a hit is stored in the transaction that finds it and marked
-- delivered only after its webhook answered 2xx, so a failed POST loses nothing and a rerun
-- that finds the same comment again stores nothing (the primary key).
CREATE TABLE vk.watches (
    watch_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL UNIQUE CHECK (name <> ''),
    -- Search syntax (query/search.py): words, "phrases", -word, or, #hashtags, @mentions.
    query       text NOT NULL CHECK (btrim(query) <> '' AND char_length(query) <= 1000),
    -- NULL: every community; otherwise only these.
    group_ids   bigint[] CHECK (group_ids IS NULL OR cardinality(group_ids) > 0),
    -- NULL: hits are only stored (and shown in the UI).
    webhook_url text CHECK (webhook_url ~ '^https?://[^\s]+$'),
    is_active   boolean NOT NULL DEFAULT true,
    -- The end of the last comments window the watch looked at, and when.
    looked_until timestamptz,
    looked_at    timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER watches_touch BEFORE UPDATE ON vk.watches
    FOR EACH ROW EXECUTE FUNCTION vk.touch_updated_at();

CREATE TABLE vk.watch_hits (
    hit_id            bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    watch_id          bigint NOT NULL REFERENCES vk.watches ON DELETE CASCADE,
    group_id          bigint NOT NULL,
    comment_id        bigint NOT NULL,
    post_id           bigint NOT NULL,
    post_published_at timestamptz NOT NULL,
    published_at      timestamptz NOT NULL,
    from_id           bigint,
    -- The text as it matched: the comment may be edited or deleted later.
    text              text NOT NULL,
    found_run_id      text NOT NULL,
    found_at          timestamptz NOT NULL DEFAULT now(),
    delivery_attempts integer NOT NULL DEFAULT 0 CHECK (delivery_attempts >= 0),
    last_error        text,
    delivered_at      timestamptz,
    -- A comment is a hit of a watch once, however many loads see it.
    PRIMARY KEY (watch_id, group_id, comment_id)
);
-- What is still to be sent: few rows, read after every load.
CREATE INDEX watch_hits_pending_idx ON vk.watch_hits (watch_id, hit_id) WHERE delivered_at IS NULL;
-- Webhook URLs may carry credentials (a token in the path or query): readers see the
-- watches without them.
REVOKE SELECT ON vk.watches FROM vk_reader;
GRANT SELECT (watch_id, name, query, group_ids, is_active, looked_until, looked_at, created_at,
              updated_at) ON vk.watches TO vk_reader;

-- Analytics written as tables, for other tools to read (Grafana, notebooks): each asset
-- replaces its own tables' rows with the period it was last materialized for.
CREATE SCHEMA IF NOT EXISTS analytics;
GRANT USAGE ON SCHEMA analytics TO vk_loader, vk_reader;
ALTER DEFAULT PRIVILEGES IN SCHEMA analytics GRANT SELECT ON TABLES TO vk_reader;
ALTER DEFAULT PRIVILEGES IN SCHEMA analytics GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO vk_loader;

-- Per monitored community: its commenters and how many also comment elsewhere.
CREATE TABLE analytics.commenter_audience (
    group_id              bigint PRIMARY KEY,
    group_name            text NOT NULL,
    commenters            integer NOT NULL CHECK (commenters >= 0),
    comments              integer NOT NULL CHECK (comments >= 0),
    cross_commenters      integer NOT NULL CHECK (cross_commenters >= 0),
    -- Comments by accounts with exactly one comment in the period, in any community.
    comments_seen_once    integer NOT NULL CHECK (comments_seen_once >= 0),
    period_start          timestamptz NOT NULL,
    period_end            timestamptz NOT NULL,
    computed_at           timestamptz NOT NULL DEFAULT now()
);

-- Every pair of monitored communities (group_a < group_b) with commenters in common.
CREATE TABLE analytics.commenter_overlap (
    group_a      bigint NOT NULL,
    group_b      bigint NOT NULL CHECK (group_b > group_a),
    shared       integer NOT NULL CHECK (shared > 0),
    -- shared / commenters of either: 1 when the two audiences are the same people.
    jaccard      float8 NOT NULL CHECK (jaccard > 0 AND jaccard <= 1),
    period_start timestamptz NOT NULL,
    period_end   timestamptz NOT NULL,
    computed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (group_a, group_b)
);

-- Accounts that commented in more than one monitored community.
CREATE TABLE analytics.cross_commenters (
    from_id          bigint PRIMARY KEY CHECK (from_id > 0),
    communities      integer NOT NULL CHECK (communities > 1),
    comments         integer NOT NULL,
    group_ids        bigint[] NOT NULL,
    likes_received   bigint NOT NULL,
    last_comment_at  timestamptz NOT NULL,
    period_start     timestamptz NOT NULL,
    period_end       timestamptz NOT NULL,
    computed_at      timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT ON ALL TABLES IN SCHEMA analytics TO vk_reader;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA analytics TO vk_loader;
