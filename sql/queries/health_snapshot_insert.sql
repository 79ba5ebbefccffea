INSERT INTO ops.health_snapshots
    (server_version, connections, connections_active, connections_idle_in_transaction,
     max_connections, reserved_connections, stats_reset, statements_available, missing_partitions)
VALUES (%(server_version)s, %(connections)s, %(connections_active)s,
        %(connections_idle_in_transaction)s, %(max_connections)s, %(reserved_connections)s,
        %(stats_reset)s, %(statements_available)s, %(missing_partitions)s)
RETURNING snapshot_id, taken_at;
