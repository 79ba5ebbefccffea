"""The upload sensor, the history sensor and the schedules, evaluated as the daemon would."""

import os
import time
from datetime import UTC, date, datetime

import pytest
from dagster import (
    DagsterEventType,
    build_run_status_sensor_context,
    materialize,
    build_schedule_context,
    build_sensor_context,
)

from assets.groups import groups
from assets.partitions import RANGE_END_TAG, RANGE_START_TAG
from assets.posts import posts
from pipelines import sensors
from pipelines.definitions import defs
from pipelines.schedules import REFRESH_DAYS, daily_groups_refresh, daily_posts_and_comments
from pipelines.sensors import group_upload_sensor, new_groups_history_sensor
from resources.vk import VkApiResource
from vk_standin.server import StandInServer
from vk_standin.world import World


@pytest.fixture
def uploads(tmp_path, monkeypatch):
    monkeypatch.setattr(sensors, "UPLOADS_DIR", tmp_path)
    return tmp_path


def drop(folder, name: str, data: bytes, age_seconds: float = 60):
    path = folder / name
    path.write_bytes(data)
    settled = time.time() - age_seconds
    os.utime(path, (settled, settled))
    return path


def evaluate(instance, cursor=None):
    result = group_upload_sensor(build_sensor_context(instance=instance, cursor=cursor))
    return result, getattr(result, "run_requests", None) or []


def test_each_new_content_is_requested_once_and_never_while_being_written(uploads, dagster_instance):
    drop(uploads, "groups.csv", b"club1\nclub2\n")
    drop(uploads, "same bytes.txt", b"club1\nclub2\n")
    drop(uploads, "still-writing.csv", b"club3\n", age_seconds=0)
    drop(uploads, "download.csv.part", b"club4\n")

    result, requests = evaluate(dagster_instance)
    assert [r.tags["vk/upload_file"] for r in requests] == ["groups.csv"]
    assert requests[0].run_key.startswith("upload:")
    assert requests[0].run_config["ops"]["groups"]["config"]["archive_uploads"] is True
    # The copy with the same bytes went aside, not into a second run.
    assert [p.name.split("-", 1)[1] for p in (uploads / "duplicates").iterdir()] == ["same bytes.txt"]

    # After a restart the cursor remembers: the same content is not requested again.
    _, again = evaluate(dagster_instance, cursor=result.cursor)
    assert again == []

    # Once the slow writer is done, its file is taken.
    os.utime(uploads / "still-writing.csv", (time.time() - 60, time.time() - 60))
    _, later = evaluate(dagster_instance, cursor=result.cursor)
    assert [r.tags["vk/upload_file"] for r in later] == ["still-writing.csv"]


def test_a_binary_upload_is_refused_recorded_and_moved_aside_without_failing(
        uploads, db, database, dagster_instance):
    drop(uploads, "photo.csv", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    _, requests = evaluate(dagster_instance)
    assert len(requests) == 1
    job = defs.resolve_job_def("refresh_groups")
    vk = VkApiResource(token="unused", base_url="http://127.0.0.1:9/method", max_retries=0)
    run = job.execute_in_process(instance=dagster_instance, run_config=requests[0].run_config,
                                 resources={"database": database, "vk": vk})
    assert run.success
    upload = db.execute("SELECT status, refusal_reason FROM vk.group_uploads").fetchone()
    assert upload["status"] == "refused" and "PNG" in upload["refusal_reason"]
    refused = sorted(p.name for p in (uploads / "refused").iterdir())
    assert len(refused) == 2 and refused[1].endswith(".reason.txt")
    assert "PNG" in (uploads / "refused" / refused[1]).read_text()
    assert not (uploads / "photo.csv").exists()


def test_new_communities_get_their_history_and_only_they(uploads, db, database, dagster_instance):
    world = World(seed=4, n_groups=5, start=datetime(2026, 11, 1, tzinfo=UTC), days=3)
    refresh_groups = defs.resolve_job_def("refresh_groups")
    with StandInServer(world) as server:
        vk = VkApiResource(token=server.token, base_url=server.base_url, requests_per_second=1000)
        upload = drop(uploads, "new.txt", "\n".join(str(g) for g in world.group_ids("open")).encode())
        run = refresh_groups.execute_in_process(
            instance=dagster_instance,
            run_config={"ops": {"groups": {"config": {"upload_paths": [str(upload)]}}}},
            resources={"database": database, "vk": vk})
        request = history_request(dagster_instance, run.run_id, database)
        communities = request.run_config["ops"]["posts"]["config"]["communities"]
        assert sorted(map(int, communities)) == sorted(world.group_ids("open"))
        start = date.fromisoformat(request.tags[RANGE_START_TAG])
        end = date.fromisoformat(request.tags[RANGE_END_TAG])
        assert (end - start).days + 1 == sensors.NEW_GROUP_HISTORY_DAYS

        # Run again with nothing new: nothing is requested.
        again = refresh_groups.execute_in_process(
            instance=dagster_instance, resources={"database": database, "vk": vk})
    assert "added no communities" in history_request(
        dagster_instance, again.run_id, database).skip_message


def history_request(instance, run_id, database):
    event = instance.get_records_for_run(
        run_id, of_type=DagsterEventType.RUN_SUCCESS).records[0].event_log_entry.dagster_event
    # `with`: the database resource holds a run lease while it is open (a context manager).
    with build_run_status_sensor_context(
            sensor_name=new_groups_history_sensor.name, dagster_event=event, dagster_instance=instance,
            dagster_run=instance.get_run_by_id(run_id), resources={"database": database}) as context:
        return new_groups_history_sensor(context)


def test_groups_materialized_from_the_asset_page_get_their_history_too(
        db, database, dagster_instance):
    """The UI's Materialize button runs an asset job of Dagster's own, not refresh_groups."""
    world = World(seed=6, n_groups=3, start=datetime(2026, 11, 1, tzinfo=UTC), days=2)
    with StandInServer(world) as server:
        vk = VkApiResource(token=server.token, base_url=server.base_url, requests_per_second=1000)
        refs = [str(g) for g in world.group_ids("open")]
        run = materialize([groups], instance=dagster_instance,
                          run_config={"ops": {"groups": {"config": {"references": refs}}}},
                          resources={"database": database, "vk": vk})
        request = history_request(dagster_instance, run.run_id, database)
        assert sorted(request.run_config["ops"]["comments"]["config"]["communities"]) == sorted(refs)

        # A run that loads posts adds no communities and is not even looked into.
        loaded = materialize([posts], instance=dagster_instance, partition_key="2026-11-01",
                             resources={"database": database, "vk": vk})
    assert loaded.success
    skipped = history_request(dagster_instance, loaded.run_id, database)
    assert "did not materialize groups" in skipped.skip_message


def test_the_nightly_schedule_loads_yesterday_and_refreshes_the_days_before():
    moment = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
    request = daily_posts_and_comments(build_schedule_context(scheduled_execution_time=moment))
    assert request.tags[RANGE_END_TAG] == "2026-11-27"
    start = date.fromisoformat(request.tags[RANGE_START_TAG])
    assert (date(2026, 11, 27) - start).days + 1 == REFRESH_DAYS
    assert request.run_key == "daily:2026-11-27"
    groups_request = daily_groups_refresh(build_schedule_context(scheduled_execution_time=moment))
    assert groups_request.run_key == "groups:2026-11-28"


def test_a_year_long_backfill_is_a_handful_of_runs():
    # What the daemon does with a backfill: the policy splits the partitions into runs. The
    # end-to-end test launches one through the webserver and counts the runs it made.
    for asset in ("posts", "comments"):
        assets_def = defs.resolve_assets_def(asset)
        year = assets_def.partitions_def.get_partition_keys()[:365]
        runs = -(-len(year) // assets_def.backfill_policy.max_partitions_per_run)
        assert len(year) == 365 and runs <= 13
