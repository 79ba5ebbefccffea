ALTER DEFAULT PRIVILEGES IN SCHEMA vk REVOKE USAGE ON SEQUENCES FROM vk_loader;
ALTER DEFAULT PRIVILEGES IN SCHEMA vk REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM vk_loader;
ALTER DEFAULT PRIVILEGES IN SCHEMA vk REVOKE SELECT ON TABLES FROM vk_reader;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA vk FROM vk_loader;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA vk FROM vk_loader;
REVOKE ALL ON ALL TABLES IN SCHEMA vk FROM vk_loader, vk_reader;
REVOKE ALL ON SCHEMA vk FROM vk_loader, vk_reader;
-- Roles are cluster-wide: another database on this server may still grant to them, and then
-- they stay (DROP ROLE would fail); this database no longer refers to them either way.
DO $$
BEGIN
    DROP ROLE IF EXISTS vk_reader;
    DROP ROLE IF EXISTS vk_loader;
EXCEPTION WHEN dependent_objects_still_exist THEN
    RAISE NOTICE 'vk_loader/vk_reader still used by another database; kept';
END
$$;
