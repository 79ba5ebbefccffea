"""The loaders against the VK stand-in and a real PostgreSQL: what is loaded is what exists."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
from dagster import (
    AssetSelection,
    Definitions,
    EnvVar,
    ReexecutionOptions,
    define_asset_job,
    execute_job,
    materialize,
    reconstructable,
)

from assets.comments import comments
from assets.groups import groups
from assets.partitions import range_tags
from assets.posts import posts
from resources.database import PostgresResource
from resources.vk import VkApiResource
from vk_standin.faults import ALL_FAULTS
from vk_standin.server import StandInServer
from vk_standin.world import CLOSED, World

# Midnight in Moscow, where the day partitions live.
WORLD_START = datetime(2026, 10, 31, 21, 0, tzinfo=UTC)
DAYS = 8
FIRST_DAY, LAST_DAY = "2026-11-01", "2026-11-08"


@pytest.fixture
def world() -> World:
    return World(seed=11, n_groups=22, start=WORLD_START, days=DAYS, posts_per_day=3.0,
                 mean_comments=5.0, max_comments=400, hot_post_share=0.02)


@pytest.fixture
def server(world):
    with StandInServer(world) as server:
        yield server


@pytest.fixture
def vk(server) -> VkApiResource:
    return VkApiResource(token=server.token, base_url=server.base_url, requests_per_second=1000,
                         timeout_seconds=2.0, backoff_base_seconds=0.01)


@pytest.fixture
def upload_all_groups(world, tmp_path):
    path = tmp_path / "groups.txt"
    path.write_text("\n".join(str(g["id"]) for g in world.groups()) + "\n")
    return str(path)


def run(assets, database, vk, instance, *, tags=None, run_config=None, raise_on_error=True):
    return materialize(assets, resources={"database": database, "vk": vk}, instance=instance,
                       tags=tags, run_config=run_config, raise_on_error=raise_on_error)


def load_everything(database, vk, instance, upload_path, tags=None):
    run([groups], database, vk, instance,
        run_config={"ops": {"groups": {"config": {"upload_paths": [upload_path]}}}})
    return run([posts, comments], database, vk, instance,
               tags=tags or range_tags(FIRST_DAY, LAST_DAY))


def truth_posts(world) -> dict[tuple[int, int], str]:
    return {(-p["owner_id"], p["id"]): p["text"] for p in world.posts(since=world.start, until=world.end)}


def truth_comments(world) -> dict[tuple[int, int], tuple[int, str, bool]]:
    truth = {}
    for post in world.posts(since=world.start, until=world.end):
        group_id = -post["owner_id"]
        for item in world.comments(group_id, post["id"]):
            truth[(group_id, item["id"])] = (post["id"], "" if item.get("deleted") else item["text"],
                                             bool(item.get("deleted")))
    return truth


def loaded_posts(db) -> dict[tuple[int, int], str]:
    return {(r["group_id"], r["post_id"]): r["text"]
            for r in db.execute("SELECT group_id, post_id, text FROM vk.posts WHERE NOT is_deleted_on_vk")}


def loaded_comments(db) -> dict[tuple[int, int], tuple[int, str, bool]]:
    return {(r["group_id"], r["comment_id"]): (r["post_id"], r["text"], r["is_deleted"])
            for r in db.execute("SELECT group_id, comment_id, post_id, text, is_deleted FROM vk.comments")}


def table_dump(db) -> dict[str, list]:
    return {table: db.execute(f"SELECT * FROM vk.{table} ORDER BY 1, 2").fetchall()
            for table in ("posts", "comments", "groups")}


def test_loaded_posts_and_comments_equal_the_ground_truth(db, database, vk, dagster_instance,
                                                          world, upload_all_groups):
    result = load_everything(database, vk, dagster_instance, upload_all_groups)
    assert result.success

    expected_comments = truth_comments(world)
    assert loaded_posts(db) == truth_posts(world)
    assert loaded_comments(db) == expected_comments
    # The world has what the test claims to cover: branches beyond the preview, deleted ones.
    replies = db.execute("SELECT count(*) AS n FROM vk.comments WHERE thread_root_id IS NOT NULL").fetchone()["n"]
    deleted = db.execute("SELECT count(*) AS n FROM vk.comments WHERE is_deleted").fetchone()["n"]
    big_branch = db.execute(
        "SELECT max(n) AS n FROM (SELECT count(*) AS n FROM vk.comments "
        "WHERE thread_root_id IS NOT NULL GROUP BY group_id, thread_root_id) t").fetchone()["n"]
    assert replies > 100 and deleted > 5 and big_branch > 10
    closed = db.execute("SELECT count(*) AS n FROM vk.posts WHERE comments_status = 'closed'").fetchone()["n"]
    assert closed >= 1

    metadata = result.asset_materializations_for_node("comments")[0].metadata
    assert metadata["rows_inserted"].value == len(expected_comments)
    assert metadata["groups_by_outcome"].value["loaded"] == len(world.group_ids("open"))


def test_second_load_changes_nothing_third_brings_exactly_the_new_comments(
        db, database, vk, dagster_instance, world, upload_all_groups):
    load_everything(database, vk, dagster_instance, upload_all_groups)
    before = table_dump(db)

    again = run([posts, comments], database, vk, dagster_instance, tags=range_tags(FIRST_DAY, LAST_DAY))
    after = table_dump(db)
    assert after["posts"] == before["posts"] and after["comments"] == before["comments"]
    metadata = again.asset_materializations_for_node("comments")[0].metadata
    assert (metadata["rows_inserted"].value, metadata["rows_updated"].value) == (0, 0)

    post = world.posts(since=world.start, until=world.end)[3]
    group_id = -post["owner_id"]
    added = world.add_comments(group_id, post["id"], 7)
    third = run([posts, comments], database, vk, dagster_instance, tags=range_tags(FIRST_DAY, LAST_DAY))
    new_keys = set(loaded_comments(db)) - {(r["group_id"], r["comment_id"]) for r in before["comments"]}
    assert new_keys == {(group_id, c["id"]) for c in added}
    assert third.asset_materializations_for_node("comments")[0].metadata["rows_inserted"].value == 7
    assert loaded_comments(db) == truth_comments(world)


def test_transient_faults_still_give_an_exact_result(db, database, vk, dagster_instance, world,
                                                     server, upload_all_groups):
    server.set_faults(0.2, kinds=ALL_FAULTS, slow_seconds=2.5)
    result = load_everything(database, vk, dagster_instance, upload_all_groups)
    assert result.success
    faults = sum(server.counters.faults.values())
    assert faults >= 5, server.counters.faults
    assert loaded_posts(db) == truth_posts(world)
    assert loaded_comments(db) == truth_comments(world)


def test_a_group_that_fails_costs_no_other_group_its_data(db, database, vk, dagster_instance,
                                                          world, server, upload_all_groups):
    run([groups], database, vk, dagster_instance,
        run_config={"ops": {"groups": {"config": {"upload_paths": [upload_all_groups]}}}})
    victim = world.group_ids("open")[0]
    world.group_by_id(victim).kind = CLOSED  # closed between validation and the wall read
    result = run([posts], database, vk, dagster_instance, tags=range_tags(FIRST_DAY, LAST_DAY))
    assert result.success
    outcome = result.asset_materializations_for_node("posts")[0].metadata["groups_by_outcome"].value
    assert outcome["skipped"] >= 1
    expected = {key: text for key, text in truth_posts(world).items() if key[0] != victim}
    assert loaded_posts(db) == expected


def test_quota_exhaustion_keeps_what_was_loaded_and_a_later_run_completes(
        db, database, vk, dagster_instance, world, server, upload_all_groups):
    run([groups], database, vk, dagster_instance,
        run_config={"ops": {"groups": {"config": {"upload_paths": [upload_all_groups]}}}})
    server.set_daily_quota("wall.get", 6)
    failed = run([posts], database, vk, dagster_instance, tags=range_tags(FIRST_DAY, LAST_DAY),
                 raise_on_error=False)
    assert not failed.success
    partial = loaded_posts(db)
    assert 0 < len(partial) < len(truth_posts(world))
    assert partial.items() <= truth_posts(world).items()

    new_vk_day(db, server)
    server.set_daily_quota("wall.get", None)
    assert run([posts], database, vk, dagster_instance, tags=range_tags(FIRST_DAY, LAST_DAY)).success
    assert loaded_posts(db) == truth_posts(world)


def new_vk_day(db, server) -> None:
    """VK's daily reset: the stand-in's quotas refill, and the rests every process shares
    (vk.token_holds) reach their end."""
    server.reset_quotas()
    db.execute("UPDATE vk.token_holds SET until = now() WHERE method <> '*'")


def posts_and_comments_job():
    """posts and comments as the code location runs them, on the test's database and stand-in
    (named by environment): re-execution needs a job Dagster can rebuild by name."""
    return Definitions(
        assets=[groups, posts, comments],
        jobs=[define_asset_job("posts_and_comments", AssetSelection.assets(posts, comments))],
        resources={
            "database": PostgresResource(database_url=EnvVar("VK_TEST_DATABASE_URL")),
            "vk": VkApiResource(token=EnvVar("VK_TEST_TOKEN"), base_url=EnvVar("VK_TEST_BASE_URL"),
                                requests_per_second=1000, timeout_seconds=2.0,
                                backoff_base_seconds=0.01),
        },
    ).resolve_job_def("posts_and_comments")


def test_re_execution_after_the_quota_ran_out_reads_only_what_the_run_had_not_loaded(
        db, database, vk, dagster_instance, world, server, upload_all_groups, monkeypatch):
    monkeypatch.setenv("VK_TEST_DATABASE_URL", database.database_url)
    monkeypatch.setenv("VK_TEST_TOKEN", server.token)
    monkeypatch.setenv("VK_TEST_BASE_URL", server.base_url)
    run([groups], database, vk, dagster_instance,
        run_config={"ops": {"groups": {"config": {"upload_paths": [upload_all_groups]}}}})
    job = reconstructable(posts_and_comments_job)
    tags = range_tags(FIRST_DAY, LAST_DAY)
    server.set_daily_quota("wall.get", 8)
    with execute_job(job, instance=dagster_instance, tags=tags) as failed:
        assert not failed.success
    loaded_first = {group_id for group_id, _ in loaded_posts(db)}
    assert 0 < len(loaded_first) < len({group_id for group_id, _ in truth_posts(world)})
    # The communities whose walls it read to the end.
    finished = {row["group_id"] for row in db.execute(
        "SELECT group_id FROM vk.group_loads WHERE root_run_id = %s AND asset = 'posts'",
        [failed.run_id])}

    new_vk_day(db, server)
    server.set_daily_quota("wall.get", None)
    server.reset_counters()
    with execute_job(job, instance=dagster_instance, tags=tags, reexecution_options=(
            ReexecutionOptions.from_failure(failed.run_id, dagster_instance))) as resumed:
        assert resumed.success
        outcomes = resumed.asset_materializations_for_node("posts")[0].metadata[
            "groups_by_outcome"].value
    assert loaded_posts(db) == truth_posts(world)
    assert loaded_comments(db) == truth_comments(world)
    # Walls the first run read to the end are not read again; the one the quota cut short is.
    read_again = {-owner for method, owner in server.counters.calls_by_owner if method == "wall.get"}
    assert finished and read_again and not finished & read_again
    # At most one wall per lane (a token's requests in flight) was being read when it ran out.
    assert len(loaded_first - finished) <= VkApiResource(token="x").requests_in_flight_per_token
    assert outcomes["loaded_before"] == len(finished)
    # A new run of the same days is a refresh: it reads every wall again.
    server.reset_counters()
    with execute_job(job, instance=dagster_instance, tags=tags) as refresh:
        assert refresh.success
        assert "loaded_before" not in refresh.asset_materializations_for_node("posts")[0].metadata[
            "groups_by_outcome"].value


def test_a_ninety_day_backfill_reads_each_wall_page_about_once(db, database, dagster_instance, tmp_path):
    world = World(seed=5, n_groups=1, start=datetime(2026, 5, 31, 21, 0, tzinfo=UTC), days=120,
                  posts_per_day=12, mean_comments=0, n_closed=0, n_private=0, n_deleted=0, n_banned=0)
    upload = tmp_path / "one.txt"
    upload.write_text(str(world.group_ids()[0]))
    with StandInServer(world) as server:
        vk = VkApiResource(token=server.token, base_url=server.base_url, requests_per_second=1000)
        run([groups], database, vk, dagster_instance,
            run_config={"ops": {"groups": {"config": {"upload_paths": [str(upload)]}}}})
        server.reset_counters()
        result = run([posts], database, vk, dagster_instance, tags=range_tags("2026-07-01", "2026-09-28"))
        wall_gets = server.counters.method_calls["wall.get"]

    window_start = datetime(2026, 6, 30, 21, 0, tzinfo=UTC)
    window_end = window_start + timedelta(days=90)
    in_window = len(world.posts(since=window_start, until=window_end))
    on_wall = world.total_posts()
    minimum = math.ceil(in_window / 100)
    search_cost = math.ceil(math.log2(on_wall / 100 + 1)) + 2
    assert in_window > 800
    assert wall_gets <= 1.2 * minimum + search_cost, (wall_gets, minimum, search_cost)
    metadata = result.asset_materializations_for_node("posts")[0].metadata
    assert metadata["vk_method_calls"].value["wall.get"] == wall_gets
    assert metadata["wall_get_minimum"].value == minimum
