-- Connections of the whole server against its limit (max_connections is server-wide), when the
-- statistics were last reset, and whether pg_stat_statements can be read: it needs both the
-- extension in this database and its library preloaded by the server.
SELECT current_setting('server_version') AS server_version,
       count(*) FILTER (WHERE a.backend_type = 'client backend')::integer AS connections,
       count(*) FILTER (WHERE a.backend_type = 'client backend' AND a.state = 'active')::integer
           AS connections_active,
       count(*) FILTER (WHERE a.backend_type = 'client backend'
                          AND a.state IN ('idle in transaction', 'idle in transaction (aborted)'))::integer
           AS connections_idle_in_transaction,
       current_setting('max_connections')::integer AS max_connections,
       (current_setting('superuser_reserved_connections')::integer
        + COALESCE(current_setting('reserved_connections', true)::integer, 0)) AS reserved_connections,
       (SELECT d.stats_reset FROM pg_stat_database AS d WHERE d.datname = current_database())
           AS stats_reset,
       EXISTS (SELECT FROM pg_extension WHERE extname = 'pg_stat_statements')
           AND 'pg_stat_statements' = ANY (string_to_array(
                   replace(current_setting('shared_preload_libraries'), ' ', ''), ','))
           AS statements_available
FROM pg_stat_activity AS a;
