DROP TABLE analytics.cross_commenters;
DROP TABLE analytics.commenter_overlap;
DROP TABLE analytics.commenter_audience;
-- The schema may hold other migrations' tables: dropped only when it is left empty.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                   WHERE n.nspname = 'analytics') THEN
        DROP SCHEMA analytics;
    END IF;
END
$$;
DROP TABLE vk.watch_hits;
DROP TABLE vk.watches;
