"""Each data-integrity check fails when the data is corrupted on purpose.

The database refuses most corruption itself, so the tests first switch off what would stop it
(constraints dropped, foreign-key triggers bypassed with session_replication_role), on a
database of their own.
"""

from datetime import UTC, datetime

import psycopg
import pytest
from dagster import AssetSelection, materialize
from psycopg.rows import dict_row

from assets.checks import comments_match_post_counts, integrity_checks, newest_day_expected
from assets.comments import comments
from assets.posts import posts
from pipelines.definitions import defs
from resources.database import PostgresResource, upgrade_schema
from resources.postgres_server import drop_database, ensure_database
from resources.vk import VkApiResource
from resources.vk.client import VkClient

# Nothing here may reach VK: the wall is replaced where a test needs one, and the endpoint is a
# closed loopback port, so a slip fails at once instead of going out.
NO_VK = VkApiResource(token="unused", base_url="http://127.0.0.1:9/method", max_retries=0)

DAY = "2026-11-10"
IN_DAY = "2026-11-10 09:00:00+00"
CHECKS = {check.check_key.name: check for check in [*integrity_checks, comments_match_post_counts]}


@pytest.fixture
def corruptible(pg_server_url):
    name = f"vk_test_checks_{datetime.now().strftime('%H%M%S%f')}"
    url = ensure_database(pg_server_url, name)
    upgrade_schema(url)
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        conn.execute("INSERT INTO vk.groups (group_id, validation_status) VALUES (1, 'valid')")
        conn.execute(f"INSERT INTO vk.posts (group_id, post_id, published_at, comments_count, raw) "
                     f"VALUES (1, 10, '{IN_DAY}', 2, '{{}}')")
        for comment_id in (100, 101):
            conn.execute(f"INSERT INTO vk.comments (group_id, comment_id, post_id, post_published_at, "
                         f"published_at, from_id, raw) VALUES (1, {comment_id}, 10, '{IN_DAY}', "
                         f"'{IN_DAY}', 5, '{{}}')")
        yield conn, PostgresResource(database_url=url)
    drop_database(pg_server_url, name)


def run_check(name: str, database: PostgresResource, instance) -> tuple[bool, dict]:
    check = CHECKS[name]
    result = materialize(
        [posts, comments, check], selection=AssetSelection.checks(check),
        resources={"database": database, "vk": NO_VK},
        instance=instance, tags={"dagster/partition": DAY}, raise_on_error=False,
    )
    evaluation = result.get_asset_check_evaluations()[0]
    return evaluation.passed, {k: v.value for k, v in evaluation.metadata.items()}


def test_every_check_passes_on_sound_data(corruptible, dagster_instance):
    _, database = corruptible
    assert all(run_check(name, database, dagster_instance)[0] for name in CHECKS)


@pytest.mark.parametrize(
    "check, corruption",
    [
        ("posts_keys_unique", [
            "ALTER TABLE vk.comments DROP CONSTRAINT comments_post_fk",
            "ALTER TABLE vk.posts DROP CONSTRAINT posts_pkey CASCADE",
            "ALTER TABLE vk.posts DROP CONSTRAINT posts_key_with_time",
            f"INSERT INTO vk.posts (group_id, post_id, published_at, raw) VALUES (1, 10, '{IN_DAY}', '{{}}')"]),
        ("posts_have_groups", [
            "SET session_replication_role = replica",
            f"INSERT INTO vk.posts (group_id, post_id, published_at, raw) VALUES (77, 1, '{IN_DAY}', '{{}}')"]),
        ("posts_counters_non_negative", [
            "ALTER TABLE vk.posts DROP CONSTRAINT posts_likes_count_check",
            "UPDATE vk.posts SET likes_count = -4"]),
        ("comments_keys_unique", [
            # The same VK comment stored under two posts: possible whenever the loader errs,
            # since a partitioned table's key must include the partition column.
            "INSERT INTO vk.posts (group_id, post_id, published_at, raw) "
            "VALUES (1, 11, '2026-11-10 10:00:00+00', '{}')",
            "INSERT INTO vk.comments (group_id, comment_id, post_id, post_published_at, published_at, "
            "from_id, raw) VALUES (1, 100, 11, '2026-11-10 10:00:00+00', '2026-11-10 10:00:00+00', 5, '{}')"]),
        ("comments_have_posts", [
            "SET session_replication_role = replica",
            f"INSERT INTO vk.comments (group_id, comment_id, post_id, post_published_at, published_at, "
            f"from_id, raw) VALUES (1, 300, 999, '{IN_DAY}', '{IN_DAY}', 5, '{{}}')"]),
        ("comments_counters_non_negative", [
            "ALTER TABLE vk.comments DROP CONSTRAINT comments_likes_count_check",
            "UPDATE vk.comments SET likes_count = -1 WHERE comment_id = 100"]),
        ("comments_match_post_counts", [
            "UPDATE vk.posts SET comments_count = 40"]),
    ],
)
def test_a_corrupted_table_fails_its_check(corruptible, dagster_instance, check, corruption):
    conn, database = corruptible
    for statement in corruption:
        conn.execute(statement)
    passed, metadata = run_check(check, database, dagster_instance)
    assert passed is False, metadata


def test_a_blocking_check_stops_comments_from_loading_on_broken_posts(corruptible, dagster_instance,
                                                                     monkeypatch):
    conn, database = corruptible
    monkeypatch.setattr(VkClient, "iter_wall", lambda self, owner_id, since, until: iter(()))
    conn.execute("SET session_replication_role = replica")
    conn.execute(f"INSERT INTO vk.posts (group_id, post_id, published_at, raw) VALUES (77, 1, '{IN_DAY}', '{{}}')")
    result = materialize(
        [posts, comments, CHECKS["posts_have_groups"]],
        selection=AssetSelection.assets("posts", "comments") | AssetSelection.checks(CHECKS["posts_have_groups"]),
        resources={"database": database, "vk": NO_VK},
        instance=dagster_instance, tags={"dagster/partition": DAY}, raise_on_error=False,
    )
    failed = [e for e in result.get_asset_check_evaluations() if not e.passed]
    assert [e.check_name for e in failed] == ["posts_have_groups"]
    assert result.asset_materializations_for_node("comments") == []


def test_a_post_read_outside_the_window_fails_posts_inside_window(corruptible, dagster_instance, monkeypatch):
    _, database = corruptible
    stray = {"id": 555, "owner_id": -1, "from_id": -1, "date": int(datetime(2026, 1, 5, tzinfo=UTC).timestamp()),
             "text": "from another day"}
    monkeypatch.setattr(VkClient, "iter_wall", lambda self, owner_id, since, until: iter([stray]))
    result = materialize([posts], resources={"database": database, "vk": NO_VK},
                         instance=dagster_instance, tags={"dagster/partition": DAY}, raise_on_error=False)
    evaluations = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert evaluations["posts_inside_window"] is False


def test_rows_lost_after_reading_fail_posts_every_day_vk_showed(corruptible, dagster_instance, monkeypatch):
    conn, database = corruptible
    day_post = {"id": 12, "owner_id": -1, "from_id": -1,
                "date": int(datetime(2026, 11, 10, 8, 0, tzinfo=UTC).timestamp()), "text": "hi"}
    monkeypatch.setattr(VkClient, "iter_wall", lambda self, owner_id, since, until: iter([day_post]))
    # A merge that silently drops rows: what the check exists to notice.
    conn.execute("CREATE FUNCTION vk.lose() RETURNS trigger LANGUAGE plpgsql AS "
                 "$$ BEGIN RETURN NULL; END $$")
    conn.execute("CREATE TRIGGER lose BEFORE INSERT ON vk.posts FOR EACH ROW EXECUTE FUNCTION vk.lose()")
    result = materialize([posts], resources={"database": database, "vk": NO_VK},
                         instance=dagster_instance, tags={"dagster/partition": DAY}, raise_on_error=False)
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert evaluations["posts_every_day_vk_showed"].passed is False
    assert "1 on 2026-11-10" in evaluations["posts_every_day_vk_showed"].metadata["community_days_missing"].value


def test_freshness_fails_until_the_newest_day_is_loaded(corruptible, dagster_instance, monkeypatch):
    _, database = corruptible
    monkeypatch.setattr(VkClient, "iter_wall", lambda self, owner_id, since, until: iter(()))
    job = defs.resolve_job_def("freshness_checks")
    resources = {"database": database, "vk": NO_VK}

    def freshness() -> dict[str, bool]:
        result = job.execute_in_process(instance=dagster_instance, resources=resources, raise_on_error=False)
        return {e.check_name: e.passed for e in result.get_asset_check_evaluations()}

    assert freshness()["posts_fresh"] is False
    newest = newest_day_expected(datetime.now(UTC)).isoformat()
    materialize([posts], resources=resources, instance=dagster_instance, partition_key=newest)
    assert freshness()["posts_fresh"] is True
