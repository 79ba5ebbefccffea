REVOKE ALL ON ALL TABLES IN SCHEMA ops FROM vk_loader, vk_reader;
REVOKE ALL ON SCHEMA ops FROM vk_loader, vk_reader;
DROP SCHEMA ops CASCADE;
