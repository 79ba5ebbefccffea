-- The database's health as the `database_health` asset measures it, kept per snapshot so that
-- other tools (Grafana, a DBA's psql) read the same figures and their history, e.g. how each
-- comments partition grew. A schema of its own: nothing in it is application data, and a dump
-- of schema vk alone leaves it out.
CREATE SCHEMA ops;

CREATE TABLE ops.health_snapshots (
    snapshot_id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    taken_at                timestamptz NOT NULL DEFAULT now(),
    server_version          text        NOT NULL,
    -- Client connections of the whole server: max_connections is a server-wide limit.
    connections             integer     NOT NULL,
    connections_active      integer     NOT NULL,
    connections_idle_in_transaction integer NOT NULL,
    max_connections         integer     NOT NULL,
    -- Slots only superusers (and pg_use_reserved_connections) may take: not the application's.
    reserved_connections    integer     NOT NULL,
    -- "Never used" of an index means "since this moment" (NULL: since the cluster was made).
    stats_reset             timestamptz,
    statements_available    boolean     NOT NULL,
    -- Months of comment partitions a load could need soon (current, next) that do not exist.
    missing_partitions      text[]      NOT NULL DEFAULT '{}'
);
-- Forgetting old snapshots, and reading the latest ones.
CREATE INDEX health_snapshots_taken_at_idx ON ops.health_snapshots (taken_at);

CREATE TABLE ops.relation_sizes (
    snapshot_id  bigint NOT NULL REFERENCES ops.health_snapshots ON DELETE CASCADE,
    relation     text   NOT NULL,
    kind         text   NOT NULL CHECK (kind IN ('table', 'index')),
    -- An index's table; a table's own name.
    table_name   text   NOT NULL,
    -- The partitioned table (or index) a partition belongs to: how comments' months are found.
    partition_of text,
    -- A table's heap with TOAST; an index's own size. Partitioned: the sum of their partitions.
    bytes        bigint NOT NULL CHECK (bytes >= 0),
    -- Tables only: with their indexes.
    total_bytes  bigint CHECK (total_bytes >= bytes),
    PRIMARY KEY (snapshot_id, relation)
);
-- A partition's size over time.
CREATE INDEX relation_sizes_partition_of_idx ON ops.relation_sizes (partition_of, snapshot_id)
    WHERE partition_of IS NOT NULL;

CREATE TABLE ops.table_maintenance (
    snapshot_id        bigint  NOT NULL REFERENCES ops.health_snapshots ON DELETE CASCADE,
    relation           text    NOT NULL,
    live_tuples        bigint  NOT NULL,
    dead_tuples        bigint  NOT NULL,
    -- Dead tuples beyond which autovacuum should take the table (its own settings or the server's).
    vacuum_threshold   bigint  NOT NULL,
    autovacuum_enabled boolean NOT NULL,
    last_vacuum        timestamptz,
    last_autovacuum    timestamptz,
    last_analyze       timestamptz,
    last_autoanalyze   timestamptz,
    lagging            boolean NOT NULL,
    PRIMARY KEY (snapshot_id, relation)
);

CREATE TABLE ops.unused_indexes (
    snapshot_id         bigint  NOT NULL REFERENCES ops.health_snapshots ON DELETE CASCADE,
    index_name          text    NOT NULL,
    table_name          text    NOT NULL,
    bytes               bigint  NOT NULL,
    -- A primary key or unique index does its work without scans: unused is no reason to drop it.
    enforces_constraint boolean NOT NULL,
    PRIMARY KEY (snapshot_id, index_name)
);

CREATE TABLE ops.slow_statements (
    snapshot_id bigint  NOT NULL REFERENCES ops.health_snapshots ON DELETE CASCADE,
    rank        integer NOT NULL CHECK (rank > 0),
    query       text    NOT NULL,
    calls       bigint  NOT NULL,
    mean_ms     float8  NOT NULL,
    total_ms    float8  NOT NULL,
    rows        bigint  NOT NULL,
    PRIMARY KEY (snapshot_id, rank)
);

-- The asset runs as the loading login (vk_loader): it writes snapshots and forgets old ones.
-- Readers (dashboards) only read.
GRANT USAGE ON SCHEMA ops TO vk_loader, vk_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA ops TO vk_reader;
GRANT SELECT, INSERT, DELETE ON ALL TABLES IN SCHEMA ops TO vk_loader;
