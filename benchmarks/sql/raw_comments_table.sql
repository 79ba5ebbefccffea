-- The baseline table for the ingest benchmark: shaped like vk.comments in every way a COPY
-- pays for (columns, generated search vector, checks, every index, the foreign key to posts,
-- the same monthly partitions), so raw COPY and the loading path do the same work per row.
DROP SCHEMA IF EXISTS bench CASCADE;
CREATE SCHEMA bench;
CREATE TABLE bench.comments_raw (LIKE vk.comments INCLUDING ALL)
    PARTITION BY RANGE (post_published_at);
ALTER TABLE bench.comments_raw ADD FOREIGN KEY (group_id, post_id, post_published_at)
    REFERENCES vk.posts (group_id, post_id, published_at);
DO $$
DECLARE
    part record;
BEGIN
    FOR part IN
        SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) AS bound
        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'vk.comments'::regclass
    LOOP
        EXECUTE format('CREATE TABLE bench.%I PARTITION OF bench.comments_raw %s',
                       'raw_' || part.relname, part.bound);
    END LOOP;
END
$$;
