"""The database_health asset and its checks on a real server: its figures are the catalog's,
the partitions check catches a missing month and the schedule's run repairs it, the vacuum
check catches a table autovacuum has been kept away from."""

import time
from datetime import UTC, datetime

import psycopg
import pytest
from dagster import (
    AssetCheckKey,
    AssetSelection,
    Definitions,
    SkipReason,
    build_schedule_context,
    build_sensor_context,
    materialize,
)
from sqlalchemy.engine import make_url

from assets.database_health import NO_STATEMENTS, database_health, health_checks
from pipelines.database_upkeep import (
    database_health_job,
    database_health_schedule,
    schema_migrated_sensor,
)
from resources.database import PostgresResource, head_revision, upgrade_schema
from tests.waiting import wait_until


def run_health(database, instance, checks_only: str | None = None):
    selection = (AssetSelection.checks(AssetCheckKey(database_health.key, checks_only))
                 if checks_only else None)
    return materialize([database_health, *health_checks], resources={"database": database},
                       instance=instance, selection=selection, raise_on_error=False)


def check_result(result, name: str):
    evaluations = [e for e in result.get_asset_check_evaluations() if e.check_name == name]
    assert len(evaluations) == 1, f"check {name} ran {len(evaluations)} times"
    return evaluations[0]


def one(db, query: str, *params):
    return db.execute(query, params or None).fetchone()


def small_database(rows):
    rows.group(1)
    rows.group(2)
    for post_id in range(1, 6):
        rows.post(1, post_id, "2026-11-10T12:00:00Z")
        for comment_id in range(1, 4):
            rows.comment(1, post_id, post_id * 10 + comment_id, "2026-11-10T12:00:00Z")


def test_the_figures_are_what_the_catalog_says(db, rows, database, dagster_instance):
    small_database(rows)
    # The inserts' counters reach the statistics first, then ANALYZE counts the rows exactly:
    # the figures hold still while the asset and the test read them.
    db.execute("SELECT pg_stat_force_next_flush()")
    db.execute("ANALYZE vk.posts")
    # Vacuumed first, so autovacuum has no free-space map left to add to a partition (24 kB)
    # between the snapshot and the reads below.
    db.execute("VACUUM vk.comments")
    db.execute("SELECT pg_stat_force_next_flush()")
    result = run_health(database, dagster_instance)
    assert result.success
    metadata = result.asset_materializations_for_node("database_health")[0].metadata
    snapshot = metadata["snapshot_id"].value
    sizes = {row["relation"]: row for row in db.execute(
        "SELECT * FROM ops.relation_sizes WHERE snapshot_id = %s", (snapshot,))}

    catalog = {row["name"] for row in db.execute(
        "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS name FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname IN ('vk', 'ops') AND c.relkind IN ('r', 'p', 'i', 'I')")}
    assert set(sizes) == catalog
    posts = one(db, "SELECT pg_table_size('vk.posts') AS heap, pg_total_relation_size('vk.posts') AS total")
    assert (sizes["vk.posts"]["bytes"], sizes["vk.posts"]["total_bytes"]) == (posts["heap"], posts["total"])
    assert sizes["vk.posts_published_at_idx"]["bytes"] == one(
        db, "SELECT pg_relation_size('vk.posts_published_at_idx') AS b")["b"]
    comments_total = one(db, "SELECT sum(pg_total_relation_size(relid))::bigint AS b "
                             "FROM pg_partition_tree('vk.comments')")["b"]
    assert sizes["vk.comments"]["total_bytes"] == comments_total == metadata["comments_bytes"].value
    november = sizes["vk.comments_2026_11"]
    assert november["partition_of"] == "vk.comments"
    assert november["total_bytes"] == one(
        db, "SELECT pg_total_relation_size('vk.comments_2026_11') AS b")["b"] > 0

    maintenance = one(db, "SELECT * FROM ops.table_maintenance WHERE snapshot_id = %s "
                          "AND relation = 'vk.posts'", snapshot)
    stats = one(db, "SELECT n_live_tup, n_dead_tup FROM pg_stat_user_tables WHERE relid = 'vk.posts'::regclass")
    assert (maintenance["live_tuples"], maintenance["dead_tuples"]) == (stats["n_live_tup"], stats["n_dead_tup"])
    assert maintenance["live_tuples"] == 5

    # Schema vk's: the asset's own writes scan schema ops's indexes after it measured them.
    unused = {row["index_name"] for row in db.execute(
        "SELECT index_name FROM ops.unused_indexes WHERE snapshot_id = %s "
        "AND table_name LIKE 'vk.%%' AND table_name <> 'vk.comments'",
        (snapshot,))}
    never_scanned = {row["name"] for row in db.execute(
        "SELECT quote_ident(schemaname) || '.' || quote_ident(indexrelname) AS name FROM pg_stat_user_indexes s "
        "JOIN pg_class t ON t.oid = s.relid "
        "WHERE schemaname = 'vk' AND idx_scan = 0 AND NOT t.relispartition AND t.relkind = 'r'")}
    assert unused == never_scanned and unused

    server = one(db, "SELECT * FROM ops.health_snapshots WHERE snapshot_id = %s", snapshot)
    assert server["max_connections"] == int(one(db, "SHOW max_connections")["max_connections"])
    assert 1 <= server["connections"] <= server["max_connections"]
    assert metadata["max_connections"].value == server["max_connections"]
    assert server["missing_partitions"] == []
    statements = metadata["slowest_statements"].value
    if not server["statements_available"]:  # neither the embedded server nor Debian's loads it
        assert statements == NO_STATEMENTS
    assert "data:image/png;base64," in metadata["comments_partitions_over_time"].value
    assert "| vk.comments_2026_11 | table | vk.comments |" in metadata["sizes"].value


def test_the_partitions_check_fails_without_next_month_and_the_schedule_makes_it(
        db, database, dagster_instance):
    now = datetime.now(UTC)
    next_month = f"vk.comments_{now.year + now.month // 12}_{now.month % 12 + 1:02d}"
    db.execute(f"DROP TABLE {next_month}")

    checked = run_health(database, dagster_instance, checks_only="comment_partitions_ahead")
    evaluation = check_result(checked, "comment_partitions_ahead")
    assert not evaluation.passed
    assert evaluation.metadata["missing"].value == next_month
    assert not checked.get_asset_materialization_events()  # the check alone made nothing

    request = database_health_schedule(build_schedule_context(scheduled_execution_time=now))
    job = Definitions(assets=[database_health], asset_checks=health_checks, jobs=[database_health_job],
                      resources={"database": database}).resolve_job_def(request.job_name or "database_upkeep")
    result = job.execute_in_process(instance=dagster_instance, tags=request.tags)
    assert result.success
    assert check_result(result, "comment_partitions_ahead").passed
    assert one(db, "SELECT to_regclass(%s) IS NOT NULL AS made", next_month)["made"]


@pytest.fixture
def groups_without_autovacuum(db):
    db.execute("ALTER TABLE vk.groups SET (autovacuum_enabled = off)")
    yield
    db.execute("ALTER TABLE vk.groups RESET (autovacuum_enabled)")


def test_the_vacuum_check_warns_when_dead_tuples_pile_up_without_autovacuum(
        db, database, dagster_instance, groups_without_autovacuum):
    db.execute("INSERT INTO vk.groups (group_id, name, validation_status) "
               "SELECT g, 'g', 'valid' FROM generate_series(1, 2000) AS g")
    db.execute("DELETE FROM vk.groups WHERE group_id > 200")
    db.execute("SELECT pg_stat_force_next_flush()")
    wait_until(lambda: one(db, "SELECT n_dead_tup FROM pg_stat_user_tables "
                               "WHERE relid = 'vk.groups'::regclass")["n_dead_tup"] >= 1800,
               timeout=10, interval=0.2, message="the deletes never reached the statistics")

    evaluation = check_result(run_health(database, dagster_instance, checks_only="autovacuum_keeps_up"),
                              "autovacuum_keeps_up")
    assert not evaluation.passed
    assert evaluation.severity.value == "WARN"
    assert "vk.groups" in evaluation.metadata["lagging"].value.split(", ")

    db.execute("VACUUM")  # every table of the database: none left lagging
    db.execute("SELECT pg_stat_force_next_flush()")
    wait_until(lambda: one(db, "SELECT n_dead_tup FROM pg_stat_user_tables "
                               "WHERE relid = 'vk.groups'::regclass")["n_dead_tup"] == 0,
               timeout=10, interval=0.2, message="the vacuum never reached the statistics")
    evaluation = check_result(run_health(database, dagster_instance, checks_only="autovacuum_keeps_up"),
                              "autovacuum_keeps_up")
    assert evaluation.passed, evaluation.metadata["lagging"].value


def sense(url: str, cursor: str | None):
    with build_sensor_context(cursor=cursor, resources={
            "database": PostgresResource(database_url=url)}) as context:
        return schema_migrated_sensor(context), context.cursor


def test_a_migration_triggers_a_new_snapshot(empty_database):
    upgrade_schema(empty_database, "0011")
    request, cursor = sense(empty_database, None)
    assert request.tags["vk/schema_revision"] == cursor == "0011"
    assert isinstance(sense(empty_database, cursor)[0], SkipReason)

    upgrade_schema(empty_database)
    request, cursor = sense(empty_database, cursor)
    assert request.tags["vk/schema_revision"] == cursor == head_revision()
    assert isinstance(sense(empty_database, cursor)[0], SkipReason)


@pytest.fixture
def loader_login(db):
    db.execute("DROP ROLE IF EXISTS vk_test_health_login")
    db.execute("CREATE ROLE vk_test_health_login LOGIN IN ROLE vk_loader")
    yield "vk_test_health_login"
    db.execute("DROP OWNED BY vk_test_health_login")
    db.execute("DROP ROLE vk_test_health_login")


def test_the_loader_login_takes_snapshots_and_readers_read_them(
        db, migrated_database, dagster_instance, loader_login):
    url = make_url(migrated_database).set(username=loader_login, password=None)
    loader = PostgresResource(database_url=url.render_as_string(hide_password=False))
    assert run_health(loader, dagster_instance).success
    db.execute("SET ROLE vk_reader")
    try:
        assert one(db, "SELECT count(*) AS n FROM ops.relation_sizes")["n"] > 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            db.execute("DELETE FROM ops.health_snapshots")
    finally:
        db.execute("RESET ROLE")


def test_the_upkeep_forgets_token_counts_of_days_long_over_and_holds_long_ended(
        db, database, dagster_instance):
    from resources.vk.tokens import vk_day

    fp = "ab" * 32
    today = vk_day(time.time())
    day_before = vk_day(time.time() - 2 * 86400)
    long_over = vk_day(time.time() - 3 * 86400)
    for day in (today, day_before, long_over):
        db.execute("INSERT INTO vk.token_usage (endpoint, token_fp, method, vk_day, calls) "
                   "VALUES ('https://upkeep.test', %s, 'wall.get', %s, 7)", (fp, day))
    for method, ended in (("wall.get", "now() - interval '2 days'"), ("execute", "now() + interval '1 hour'")):
        db.execute("INSERT INTO vk.token_holds (endpoint, token_fp, method, until, reason) "
                   f"VALUES ('https://upkeep.test', %s, %s, {ended}, 'quota')", (fp, method))
    db.commit()
    result = run_health(database, dagster_instance)
    assert result.success
    kept = db.execute("SELECT vk_day::text AS day FROM vk.token_usage WHERE endpoint = 'https://upkeep.test' "
                      "ORDER BY vk_day").fetchall()
    assert [r["day"] for r in kept] == sorted([day_before, today])
    holds = db.execute("SELECT method FROM vk.token_holds WHERE endpoint = 'https://upkeep.test'").fetchall()
    assert [r["method"] for r in holds] == ["execute"]
    metadata = result.asset_materializations_for_node("database_health")[0].metadata
    assert metadata["token_limit_rows_forgotten"].value >= 2  # other tests may leave old rows too
