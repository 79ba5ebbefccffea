"""The database's health as an asset (group `operations`): what a DBA looks at every morning,
measured from the catalog and the statistics views, shown on the asset page and kept in
schema `ops` for other tools.

Each materialization first makes this month's and next month's comment partitions (a load must
never find its month missing), then takes a snapshot: sizes of every table, index and comments
partition, dead tuples and (auto)vacuum times, indexes never used, connections against
max_connections, the slowest statements when pg_stat_statements is there. Its checks ask the
server live, so a check run on its own sees the database as it is now.
"""

from datetime import datetime, timedelta, timezone

import psycopg
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    MaterializeResult,
    MetadataValue,
    asset,
    asset_check,
)

from assets.reporting import health as shown
from resources.database import PostgresResource, copy_rows, load_sql
from resources.vk.shared_limits import forget_spent_limits

# Dead tuples past autovacuum's threshold with no vacuum for this long: autovacuum is not
# keeping up (off, starved of workers, or blocked by a long transaction).
AUTOVACUUM_LAG = timedelta(hours=1)
KEEP_SNAPSHOTS = timedelta(days=90)
HISTORY_SHOWN = timedelta(days=90)
# Past this share of the connections applications may use, the next pool to grow fails.
CONNECTIONS_WARN_SHARE = 0.8
SLOW_STATEMENTS, SLOW_STATEMENTS_MIN_CALLS = 10, 5

NO_STATEMENTS = (
    "pg_stat_statements is not available on this server, so the slowest statements cannot be "
    "shown. To have them: `shared_preload_libraries = 'pg_stat_statements'` in postgresql.conf, "
    "restart the server, then `CREATE EXTENSION pg_stat_statements;` in this database.")

RECORDED = {
    "ops.relation_sizes": ("relation", "kind", "table_name", "partition_of", "bytes", "total_bytes"),
    "ops.table_maintenance": ("relation", "live_tuples", "dead_tuples", "vacuum_threshold",
                              "autovacuum_enabled", "last_vacuum", "last_autovacuum",
                              "last_analyze", "last_autoanalyze", "lagging"),
    "ops.unused_indexes": ("index_name", "table_name", "bytes", "enforces_constraint"),
    "ops.slow_statements": ("rank", "query", "calls", "mean_ms", "total_ms", "rows"),
}


def make_partitions_ahead(conn: psycopg.Connection) -> int:
    created = conn.execute(load_sql("health_make_partitions_ahead")).fetchone()["created"]
    # Committed at once: creating a partition locks vk.comments until the transaction ends.
    conn.commit()
    return created


def measure(conn: psycopg.Connection) -> dict:
    """Everything the snapshot holds, as the server says it now."""
    server = conn.execute(load_sql("health_server")).fetchone()
    statements, unavailable = _slow_statements(conn, server["statements_available"])
    return {
        "server": server,
        "ops.relation_sizes": conn.execute(load_sql("health_relation_sizes")).fetchall(),
        "ops.table_maintenance": table_maintenance(conn),
        "ops.unused_indexes": conn.execute(load_sql("health_unused_indexes")).fetchall(),
        "ops.slow_statements": statements,
        "partitions": conn.execute(load_sql("health_comment_partitions")).fetchall(),
        "statements_unavailable": unavailable,
    }


def table_maintenance(conn: psycopg.Connection) -> list[dict]:
    return conn.execute(load_sql("health_table_maintenance"), {"lag": AUTOVACUUM_LAG}).fetchall()


def _slow_statements(conn: psycopg.Connection, available: bool) -> tuple[list[dict], str | None]:
    if not available:
        return [], NO_STATEMENTS
    try:
        with conn.transaction():
            return conn.execute(load_sql("health_slow_statements"), {
                "top": SLOW_STATEMENTS, "min_calls": SLOW_STATEMENTS_MIN_CALLS}).fetchall(), None
    except (psycopg.errors.UndefinedTable, psycopg.errors.InsufficientPrivilege,
            psycopg.errors.ObjectNotInPrerequisiteState) as error:
        # Installed in a schema off the search path, or readable only by other roles.
        return [], f"pg_stat_statements is installed but cannot be read here: {str(error).strip()}"


def record(conn: psycopg.Connection, snapshot: dict) -> dict:
    """The snapshot written to schema ops; old snapshots forgotten. Returns its id and time."""
    server = snapshot["server"]
    missing = [row["month"] for row in snapshot["partitions"] if not row["present"]]
    written = conn.execute(load_sql("health_snapshot_insert"), {
        **{key: server[key] for key in (
            "server_version", "connections", "connections_active", "connections_idle_in_transaction",
            "max_connections", "reserved_connections", "stats_reset", "statements_available")},
        "missing_partitions": missing,
    }).fetchone()
    for table, columns in RECORDED.items():
        copy_rows(conn, table, ("snapshot_id", *columns),
                  ((written["snapshot_id"], *(row[c] for c in columns)) for row in snapshot[table]))
    conn.execute(load_sql("health_snapshots_forget"), {"keep": KEEP_SNAPSHOTS})
    return written


@asset(
    group_name="operations",
    owners=["team:data-engineering"],
    kinds={"postgres"},
    description="Health of the application database: sizes of tables, indexes and comments "
    "partitions (and the partitions over time), dead tuples and (auto)vacuum/analyze per table, "
    "comment partitions of this and next month (made first if missing), indexes never used, "
    "connections against max_connections, the slowest statements (pg_stat_statements, when "
    "available). Written to schema ops, one snapshot per materialization, for other tools. "
    "Token counts of VK days long over and holds long ended are forgotten on the way.",
)
def database_health(database: PostgresResource) -> MaterializeResult:
    with database.connection() as conn:
        created = make_partitions_ahead(conn)
        forgotten = forget_spent_limits(conn)
        snapshot = measure(conn)
        written = record(conn, snapshot)
        history = conn.execute(load_sql("health_partition_history"), {
            "since": datetime.now(timezone.utc) - HISTORY_SHOWN}).fetchall()
    server, sizes = snapshot["server"], snapshot["ops.relation_sizes"]
    comments = next((r for r in sizes if r["relation"] == "vk.comments"), None)
    lagging = [r["relation"] for r in snapshot["ops.table_maintenance"] if r["lagging"]]
    return MaterializeResult(metadata={
        "snapshot_id": MetadataValue.int(written["snapshot_id"]),
        "server_version": MetadataValue.text(server["server_version"]),
        "partitions_created": MetadataValue.int(created),
        "token_limit_rows_forgotten": MetadataValue.int(
            forgotten["usage_rows"] + forgotten["hold_rows"]),
        "database_tables_bytes": MetadataValue.int(
            sum(r["total_bytes"] for r in sizes if r["kind"] == "table" and r["partition_of"] is None)),
        "comments_bytes": MetadataValue.int(comments["total_bytes"] if comments else 0),
        "connections": MetadataValue.int(server["connections"]),
        "max_connections": MetadataValue.int(server["max_connections"]),
        "tables_lagging_autovacuum": MetadataValue.int(len(lagging)),
        "unused_indexes": MetadataValue.int(len(snapshot["ops.unused_indexes"])),
        "sizes": MetadataValue.md(shown.largest_tables_chart(sizes) + "\n\n" + shown.sizes_table(sizes)),
        "comments_partitions_over_time": MetadataValue.md(shown.partition_history_chart(history)),
        "vacuum_and_analyze": MetadataValue.md(shown.maintenance_table(snapshot["ops.table_maintenance"])),
        "comment_partitions_ahead": MetadataValue.md(shown.partitions_table(snapshot["partitions"])),
        "unused_indexes_table": MetadataValue.md(
            shown.unused_indexes_table(snapshot["ops.unused_indexes"], server["stats_reset"])),
        "connections_in_use": MetadataValue.md(shown.connections_text(server)),
        "slowest_statements": MetadataValue.md(shown.statements_table(
            snapshot["ops.slow_statements"], snapshot["statements_unavailable"])),
    })


@asset_check(asset=database_health, blocking=True,
             description="This month's and next month's comment partitions exist: a load of a "
             "post published then must never find its partition missing.")
def comment_partitions_ahead(database: PostgresResource) -> AssetCheckResult:
    months = database.fetch_all("health_comment_partitions")
    missing = [row["partition"] for row in months if not row["present"]]
    return AssetCheckResult(
        passed=not missing, severity=AssetCheckSeverity.ERROR,
        description=f"missing: {', '.join(missing)}" if missing else None,
        metadata={"missing": MetadataValue.text(", ".join(missing) or "none"),
                  "months": MetadataValue.md(shown.partitions_table(months))})


@asset_check(asset=database_health,
             description="No table has more dead tuples than autovacuum's threshold while "
             f"autovacuum is off for it or has not vacuumed it for {AUTOVACUUM_LAG}.")
def autovacuum_keeps_up(database: PostgresResource) -> AssetCheckResult:
    with database.connection() as conn:
        rows = table_maintenance(conn)
    lagging = [row for row in rows if row["lagging"]]
    return AssetCheckResult(
        passed=not lagging, severity=AssetCheckSeverity.WARN,
        description=f"autovacuum lags on {', '.join(r['relation'] for r in lagging)}" if lagging else None,
        metadata={"lagging": MetadataValue.text(", ".join(r["relation"] for r in lagging) or "none"),
                  "tables": MetadataValue.md(shown.maintenance_table(lagging or rows))})


@asset_check(asset=database_health,
             description=f"Client connections stay under {CONNECTIONS_WARN_SHARE:.0%} of those "
             "max_connections leaves to applications.")
def connections_headroom(database: PostgresResource) -> AssetCheckResult:
    server = database.fetch_all("health_server")[0]
    usable = server["max_connections"] - server["reserved_connections"]
    return AssetCheckResult(
        passed=server["connections"] < CONNECTIONS_WARN_SHARE * usable,
        severity=AssetCheckSeverity.WARN,
        metadata={"connections": MetadataValue.int(server["connections"]),
                  "usable": MetadataValue.int(usable),
                  "in_use": MetadataValue.md(shown.connections_text(server))})


health_checks = [comment_partitions_ahead, autovacuum_keeps_up, connections_headroom]
