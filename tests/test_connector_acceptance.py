"""The acceptance checks of the established source-connector test suites (Airbyte's, Singer's
tap-tester), for the VK loads: full loads repeat exactly, a load resumed from any point ends as
an uninterrupted one, keys are unique and non-null, and a configuration that cannot work fails
before any VK call, saying what to fix."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import accumulate

import pytest
from dagster import ReexecutionOptions, execute_job, materialize, reconstructable

from assets.comments import comments
from assets.groups import groups
from assets.partitions import range_tags
from assets.posts import posts
from assets.tasks import _error_message
from resources.database import PostgresResource
from resources.vk import VkApiResource
from resources.vk.settings import VkSettings
from tests.conftest import empty_vk_tables
from tests.test_loading import (  # noqa: F401 (server, vk: the stand-in of this module's world)
    loaded_comments,
    loaded_posts,
    new_vk_day,
    posts_and_comments_job,
    server,
    truth_comments,
    truth_posts,
    vk,
)
from vk_standin.world import World

FIRST_DAY, LAST_DAY = "2026-11-01", "2026-11-04"
# What differs between two loads of the same data: when each row was written.
LOAD_TIME_COLUMNS = ["created_at", "updated_at", "first_seen_at", "last_seen_at",
                     "deleted_seen_at", "unmonitored_at"]
KEYS = {"groups": ["group_id"], "posts": ["group_id", "post_id"],
        "comments": ["group_id", "comment_id", "post_published_at"],
        "group_snapshots": ["group_id", "snapshot_date"]}


@pytest.fixture
def world() -> World:
    return World(seed=31, n_groups=8, start=datetime(2026, 10, 31, 21, 0, tzinfo=UTC), days=4,
                 posts_per_day=3.0, mean_comments=4.0, max_comments=120, hot_post_share=0.05)


@pytest.fixture
def upload(world, tmp_path) -> str:
    path = tmp_path / "groups.txt"
    path.write_text("\n".join(str(g) for g in world.group_ids()) + "\n")
    return str(path)


def load_groups(database, vk, instance, upload):
    materialize([groups], resources={"database": database, "vk": vk}, instance=instance,
                run_config={"ops": {"groups": {"config": {"upload_paths": [upload]}}}})


def full_load(database, vk, instance, upload):
    load_groups(database, vk, instance, upload)
    return materialize([posts, comments], resources={"database": database, "vk": vk},
                       instance=instance, tags=range_tags(FIRST_DAY, LAST_DAY))


def content(db) -> dict[str, list]:
    """Every row of the loaded tables but the times it was written, in key order."""
    return {table: [row["r"] for row in db.execute(
        f"SELECT to_jsonb(t) - %s::text[] AS r FROM vk.{table} t ORDER BY {', '.join(keys)}",
        [LOAD_TIME_COLUMNS])] for table, keys in KEYS.items()}


def test_two_full_loads_of_the_same_days_give_identical_tables(db, database, vk, dagster_instance,
                                                               upload):
    assert full_load(database, vk, dagster_instance, upload).success
    first = content(db)
    empty_vk_tables(db)
    assert full_load(database, vk, dagster_instance, upload).success
    assert content(db) == first
    assert len(first["posts"]) > 20 and len(first["comments"]) > 100


def test_keys_are_unique_and_never_null(db, database, vk, dagster_instance, upload):
    assert full_load(database, vk, dagster_instance, upload).success
    for table, keys in KEYS.items():
        columns = ", ".join(keys)
        found = db.execute(
            f"SELECT count(*) AS rows, count(DISTINCT ({columns}, true)) AS distinct_keys, "
            f"count(*) FILTER (WHERE {' OR '.join(f'{k} IS NULL' for k in keys)}) AS null_keys "
            f"FROM vk.{table}").fetchone()
        assert found["rows"] > 0, table
        assert (found["distinct_keys"], found["null_keys"]) == (found["rows"], 0), table
    # A comment is one row, however its post's publication time is keyed.
    assert db.execute("SELECT count(*) - count(DISTINCT (group_id, comment_id)) AS n "
                      "FROM vk.comments").fetchone()["n"] == 0


def resume_points(server, method: str, owner_order: list[int]) -> list[int]:
    """Quotas of `method` that stop a load right after its 1st, 2nd, ... community: the calls
    the uninterrupted load spent on each, added up in the order it visits them."""
    spent = [server.counters.calls_by_owner[(method, -group_id)] for group_id in owner_order]
    return [quota for quota, calls in zip(accumulate(spent), spent) if calls][:-1]


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_a_load_resumed_after_each_community_ends_as_an_uninterrupted_one(
        db, database, vk, server, world, dagster_instance, upload, monkeypatch):
    monkeypatch.setenv("VK_TEST_DATABASE_URL", database.database_url)
    monkeypatch.setenv("VK_TEST_TOKEN", server.token)
    monkeypatch.setenv("VK_TEST_BASE_URL", server.base_url)
    load_groups(database, vk, dagster_instance, upload)
    order = [row["group_id"] for row in database.fetch_all("monitored_groups")]
    server.reset_counters()
    assert materialize([posts, comments], resources={"database": database, "vk": vk},
                       instance=dagster_instance, tags=range_tags(FIRST_DAY, LAST_DAY)).success
    uninterrupted = content(db)
    points = [("wall.get", quota) for quota in resume_points(server, "wall.get", order)]
    points += [("wall.getComments", quota) for quota in resume_points(server, "wall.getComments", order)]
    assert len(points) >= 6, points  # every community of each asset but the last

    job = reconstructable(posts_and_comments_job)
    tags = range_tags(FIRST_DAY, LAST_DAY)
    resumed_after = []
    for method, quota in points:
        empty_vk_tables(db)
        load_groups(database, vk, dagster_instance, upload)
        server.reset_quotas()
        server.set_daily_quota(method, quota)
        with execute_job(job, instance=dagster_instance, tags=tags) as stopped:
            assert not stopped.success, (method, quota)
        asset = "posts" if method == "wall.get" else "comments"
        resumed_from = db.execute(
            "SELECT count(*) AS n FROM vk.group_loads WHERE root_run_id = %s AND asset = %s",
            [stopped.run_id, asset]).fetchone()["n"]
        server.set_daily_quota(method, None)
        # The next VK day: the stand-in's quotas and the token's shared rest (vk.token_holds) end.
        new_vk_day(db, server)
        with execute_job(job, instance=dagster_instance, tags=tags, reexecution_options=(
                ReexecutionOptions.from_failure(stopped.run_id, dagster_instance))) as resumed:
            assert resumed.success, (method, quota)
        resumed_after.append(resumed_from)
        assert content(db) == uninterrupted, (method, quota, resumed_from)
    # Lanes read several communities at once, so a quota may run out before any of them is
    # stored; most stop points must still have left finished communities to resume past.
    assert sum(1 for n in resumed_after if n > 0) >= len(points) // 2, resumed_after
    assert loaded_posts(db) == truth_posts(world) and loaded_comments(db) == truth_comments(world)


def failure_message(instance, result) -> str:
    return _error_message(instance, instance.get_run_by_id(result.run_id))


def test_a_token_vk_rejects_stops_the_load_at_its_first_request_saying_what_to_fix(
        db, database, vk, server, dagster_instance, upload):
    load_groups(database, vk, dagster_instance, upload)
    server.reset_counters()
    revoked = VkApiResource(token="vk1.a.revoked", base_url=server.base_url,
                            requests_per_second=1000, backoff_base_seconds=0.01)
    result = materialize([posts], resources={"database": database, "vk": revoked},
                         instance=dagster_instance, tags=range_tags(FIRST_DAY, LAST_DAY),
                         raise_on_error=False)
    assert not result.success
    # VK refused the token on the requests already in flight (the token's lanes, at most
    # requests_in_flight_per_token of them): no method ran, no retry was spent.
    in_flight = VkSettings.default("requests_in_flight_per_token")
    assert 1 <= server.counters.http_requests <= in_flight
    assert sum(server.counters.method_calls.values()) == 0
    message = failure_message(dagster_instance, result)
    assert "error 5" in message and "set VK_TOKEN to valid" in message
    assert "vk1.a.revoked" not in message


def test_an_unreachable_database_fails_the_run_before_any_vk_call(server, vk, dagster_instance):
    server.reset_counters()
    nowhere = PostgresResource(database_url="postgresql://loader:s3cret@127.0.0.1:9/vk")
    result = materialize([posts], resources={"database": nowhere, "vk": vk},
                         instance=dagster_instance, tags=range_tags(FIRST_DAY, LAST_DAY),
                         raise_on_error=False)
    assert not result.success
    assert server.counters.http_requests == 0
    message = failure_message(dagster_instance, result)
    assert "database postgresql://loader:***@127.0.0.1:9/vk unreachable" in message
    assert "Check DATABASE_URL" in message and "s3cret" not in message


def test_an_unwritable_uploads_folder_fails_before_any_vk_call(db, database, vk, server,
                                                               dagster_instance, upload, tmp_path):
    # Something that is not a folder where processed files go: unwritable even for root, who
    # may write into any folder whatever its permissions.
    (tmp_path / "processed").write_text("not a folder")
    server.reset_counters()
    result = materialize([groups], resources={"database": database, "vk": vk},
                         instance=dagster_instance, raise_on_error=False,
                         run_config={"ops": {"groups": {"config": {
                             "upload_paths": [upload], "archive_uploads": True}}}})
    assert not result.success
    assert server.counters.http_requests == 0
    message = failure_message(dagster_instance, result)
    assert f"uploads cannot be archived: {tmp_path / 'processed'} is not a folder" in message
    assert "VK_UPLOADS_DIR" in message
    assert db.execute("SELECT count(*) AS n FROM vk.group_uploads").fetchone()["n"] == 0
