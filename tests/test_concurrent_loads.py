"""A backfill and the nightly run over overlapping days, at the same time: both finish, no
deadlock, no duplicate rows, exactly what VK has."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from datetime import UTC, datetime

import pytest
from dagster import DagsterEventType, materialize

from assets.comments import comments
from assets.groups import groups
from assets.partitions import range_tags
from assets.posts import posts
from resources.vk import VkApiResource
from tests.test_loading import loaded_comments, loaded_posts, truth_comments, truth_posts
from vk_standin.latency import Latency
from vk_standin.server import StandInServer
from vk_standin.world import World

WORLD_START = datetime(2026, 10, 31, 21, 0, tzinfo=UTC)  # midnight in Moscow
BACKFILL = ("2026-11-01", "2026-11-06")
NIGHTLY = ("2026-11-04", "2026-11-08")

RUN = textwrap.dedent("""
    import sys
    from dagster import DagsterInstance, materialize
    from assets.comments import comments
    from assets.partitions import range_tags
    from assets.posts import posts
    from resources.database import PostgresResource
    from resources.vk import VkApiResource

    database_url, token, base_url, first, last = sys.argv[1:]
    with DagsterInstance.get() as instance:
        result = materialize([posts, comments], instance=instance, tags=range_tags(first, last),
                             raise_on_error=False, resources={
                                 "database": PostgresResource(database_url=database_url),
                                 "vk": VkApiResource(token=token, base_url=base_url,
                                                     requests_per_second=1000,
                                                     backoff_base_seconds=0.01)})
    print(result.run_id, "success" if result.success else "failure")
""")


@pytest.fixture
def vk_pool_of_two(dagster_instance):
    """dagster.yaml's `vk_api` pool lets one VK step run at a time across all runs, so there two
    runs never write at once and this test would prove nothing. A deployment with more tokens
    raises the limit (`dagster instance concurrency set vk_api 2`); then a backfill and the
    nightly run do write the same days at the same time, which is the case under test."""
    storage = dagster_instance.event_log_storage
    storage.set_concurrency_slots("vk_api", 2)
    yield
    storage.set_concurrency_slots("vk_api", 1)


def step_spans(instance, run_id: str) -> dict[str, tuple[float, float]]:
    spans = {}
    for of_type, index in ((DagsterEventType.STEP_START, 0), (DagsterEventType.STEP_SUCCESS, 1)):
        for record in instance.get_records_for_run(run_id, of_type=of_type).records:
            entry = record.event_log_entry
            spans.setdefault(entry.step_key, [None, None])[index] = entry.timestamp
    return {step: tuple(span) for step, span in spans.items()}


def retries_and_failures(instance, run_id: str) -> list[str]:
    return [record.event_log_entry.dagster_event.event_type_value
            for of_type in (DagsterEventType.STEP_UP_FOR_RETRY, DagsterEventType.STEP_FAILURE)
            for record in instance.get_records_for_run(run_id, of_type=of_type).records]


@pytest.mark.timeout(300)
def test_overlapping_runs_at_the_same_time_end_exact_without_deadlock(
        db, database, dagster_instance, vk_pool_of_two, tmp_path):
    world = World(seed=17, n_groups=12, start=WORLD_START, days=8, posts_per_day=4.0,
                  mean_comments=6.0, max_comments=150, hot_post_share=0.05)
    upload = tmp_path / "groups.txt"
    upload.write_text("\n".join(str(g) for g in world.group_ids()))
    # A little VK time per request, so the two runs' reads and merges interleave.
    with StandInServer(world, latency=Latency(base_seconds=0.01)) as server:
        vk = VkApiResource(token=server.token, base_url=server.base_url, requests_per_second=1000,
                           backoff_base_seconds=0.01)
        resources = {"database": database, "vk": vk}
        materialize([groups], resources=resources, instance=dagster_instance,
                    run_config={"ops": {"groups": {"config": {"upload_paths": [str(upload)]}}}})

        # Two processes, as two run workers would be (Dagster's in-process runs do not start
        # side by side in threads of one process).
        env = {**os.environ, "DAGSTER_HOME": str(dagster_instance.root_directory)}
        workers = {name: subprocess.Popen(
            [sys.executable, "-c", RUN, database.database_url, server.token, server.base_url, *days],
            env=env, cwd=os.getcwd(), stdout=subprocess.PIPE, text=True)
            for name, days in (("backfill", BACKFILL), ("nightly", NIGHTLY))}
        results = {}
        try:
            for name, worker in workers.items():
                out, _ = worker.communicate(timeout=240)  # a deadlock that is never broken hangs
                results[name] = out.strip().splitlines()[-1].split()
        finally:
            for worker in workers.values():
                worker.kill()

    for name, (run_id, outcome) in results.items():
        # A deadlock is an error PostgreSQL raises in one of the two: Dagster's retry would hide
        # it behind a success, so no step may have failed or retried at all.
        assert outcome == "success", name
        assert retries_and_failures(dagster_instance, run_id) == [], name
    # They did run at the same time: each run's VK steps overlap the other's.
    backfill = step_spans(dagster_instance, results["backfill"][0])
    nightly = step_spans(dagster_instance, results["nightly"][0])
    first_start = max(min(s for s, _ in backfill.values()), min(s for s, _ in nightly.values()))
    last_end = min(max(e for _, e in backfill.values()), max(e for _, e in nightly.values()))
    assert first_start < last_end, (backfill, nightly)

    assert loaded_posts(db) == truth_posts(world)
    assert loaded_comments(db) == truth_comments(world)
    duplicates = db.execute(
        "SELECT (SELECT count(*) FROM vk.comments) - (SELECT count(DISTINCT (group_id, comment_id)) "
        "FROM vk.comments) AS comments, (SELECT count(*) FROM vk.posts) - (SELECT count(DISTINCT "
        "(group_id, post_id)) FROM vk.posts) AS posts").fetchone()
    assert duplicates == {"comments": 0, "posts": 0}
