-- Least privilege: a loader role that writes data (but cannot change the schema) and a reader
-- role that can only read. Both are group roles without LOGIN: a deployment grants them to its
-- login users (GRANT vk_reader TO grafana_user). Roles are cluster-wide, so they may already
-- exist when another database on the same server was migrated first.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'vk_loader') THEN
        CREATE ROLE vk_loader NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'vk_reader') THEN
        CREATE ROLE vk_reader NOLOGIN;
    END IF;
END
$$;

GRANT USAGE ON SCHEMA vk TO vk_loader, vk_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA vk TO vk_reader;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA vk TO vk_loader;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA vk TO vk_loader;
GRANT EXECUTE ON FUNCTION vk.ensure_comment_partitions(timestamptz, timestamptz) TO vk_loader;
-- Tables added by later migrations (and comment partitions) get the same grants.
ALTER DEFAULT PRIVILEGES IN SCHEMA vk GRANT SELECT ON TABLES TO vk_reader;
ALTER DEFAULT PRIVILEGES IN SCHEMA vk GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO vk_loader;
ALTER DEFAULT PRIVILEGES IN SCHEMA vk GRANT USAGE ON SEQUENCES TO vk_loader;
