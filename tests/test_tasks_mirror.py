"""vk.tasks follows Dagster runs, and turns rows other applications insert into runs."""

from datetime import UTC, date, datetime

import pytest
from dagster import (
    DagsterEventType,
    DagsterRunStatus,
    asset,
    build_run_status_sensor_context,
    build_sensor_context,
    materialize,
)
from psycopg.types.json import Jsonb

from assets.comments import comments
from assets.groups import groups
from assets.partitions import RANGE_END_TAG, RANGE_START_TAG
from assets.posts import posts
from assets.tasks import mirror_run, tasks
from pipelines.definitions import defs
from pipelines.sensors import task_request_sensor, tasks_mirror_sensors
from resources.vk import VkApiResource
from vk_standin.server import StandInServer
from vk_standin.world import World

WORLD_START = datetime(2026, 10, 31, 21, 0, tzinfo=UTC)


@pytest.fixture
def world():
    return World(seed=21, n_groups=6, start=WORLD_START, days=4, mean_comments=3, max_comments=50)


@pytest.fixture
def vk(world):
    with StandInServer(world) as server:
        yield VkApiResource(token=server.token, base_url=server.base_url, requests_per_second=1000,
                            backoff_base_seconds=0.01)


def task_rows(db):
    return db.execute("SELECT * FROM vk.tasks ORDER BY task_id").fetchall()


def load(database, vk, instance, world, tmp_path, **kwargs):
    upload = tmp_path / "groups.txt"
    upload.write_text("\n".join(str(g) for g in world.group_ids()))
    materialize([groups], resources={"database": database, "vk": vk}, instance=instance,
                run_config={"ops": {"groups": {"config": {"upload_paths": [str(upload)]}}}})
    return materialize([posts, comments], resources={"database": database, "vk": vk}, instance=instance,
                       tags={RANGE_START_TAG: "2026-11-01",
                             RANGE_END_TAG: "2026-11-04"}, **kwargs)


def test_a_finished_run_is_mirrored_with_progress_partitions_and_times(db, database, vk, dagster_instance,
                                                                       world, tmp_path):
    result = load(database, vk, dagster_instance, world, tmp_path)
    mirror_run(database, dagster_instance, dagster_instance.get_run_by_id(result.run_id))
    row = db.execute("SELECT * FROM vk.tasks WHERE dagster_run_id = %s", (result.run_id,)).fetchone()
    assert row["status"] == "completed"
    assert row["kind"] == "materialize"
    assert (row["partition_start"], row["partition_end"]) == (date(2026, 11, 1), date(2026, 11, 4))
    assert sorted(row["asset_selection"]) == ["comments", "posts"]
    open_groups = len(world.group_ids("open"))
    # posts visited every monitored community, comments those with posts: a unit each.
    assert row["progress_total"] >= open_groups * 2
    assert row["progress_done"] == row["progress_total"]
    assert row["started_at"] <= row["finished_at"] and row["error_message"] is None


def test_a_failed_run_carries_its_error_and_status_never_moves_back(db, database, dagster_instance):
    @asset
    def broken():
        raise ValueError("VK said no (error 15)")

    result = materialize([broken], instance=dagster_instance, raise_on_error=False)
    run = dagster_instance.get_run_by_id(result.run_id)
    mirror_run(database, dagster_instance, run)
    row = db.execute("SELECT * FROM vk.tasks WHERE dagster_run_id = %s", (run.run_id,)).fetchone()
    assert row["status"] == "failed"
    assert "VK said no (error 15)" in row["error_message"]

    # A late STARTED event must not reopen a finished task.
    mirror_run(database, dagster_instance, run.with_status(DagsterRunStatus.STARTED))
    assert db.execute("SELECT status FROM vk.tasks WHERE dagster_run_id = %s",
                      (run.run_id,)).fetchone()["status"] == "failed"


def test_run_status_sensors_keep_the_table_live(db, database, dagster_instance):
    @asset
    def small():
        return 1

    result = materialize([small], instance=dagster_instance)
    run = dagster_instance.get_run_by_id(result.run_id)
    success = next(s for s in tasks_mirror_sensors if s.name == "tasks_mirror_success")
    event = dagster_instance.get_records_for_run(
        run.run_id, of_type=DagsterEventType.RUN_SUCCESS).records[0].event_log_entry.dagster_event
    with build_run_status_sensor_context(
            sensor_name=success.name, dagster_event=event, dagster_instance=dagster_instance,
            dagster_run=run, resources={"database": database}) as context:
        success(context)
    assert [(r["dagster_run_id"], r["status"]) for r in task_rows(db)] == [(run.run_id, "completed")]


def test_the_tasks_asset_reconciles_runs_the_sensors_missed(db, database, dagster_instance):
    @asset
    def missed():
        return 1

    run_ids = [materialize([missed], instance=dagster_instance).run_id for _ in range(2)]
    assert task_rows(db) == []
    result = materialize([tasks], resources={"database": database}, instance=dagster_instance)
    mirrored = {r["dagster_run_id"]: r["status"] for r in task_rows(db)}
    assert all(mirrored[run_id] == "completed" for run_id in run_ids)
    assert result.asset_materializations_for_node("tasks")[0].metadata["tasks_completed"].value >= 2


def insert_request(db, **fields) -> int:
    values = {"kind": "collect", "requested_by": "crm", "params": Jsonb({}), **fields}
    columns = ", ".join(values)
    placeholders = ", ".join(f"%({k})s" for k in values)
    return db.execute(f"INSERT INTO vk.tasks ({columns}) VALUES ({placeholders}) RETURNING task_id",
                      values).fetchone()["task_id"]


def test_requested_tasks_become_runs_and_invalid_ones_fail_with_a_reason(db, database, dagster_instance,
                                                                          vk, world):
    community = str(world.group_ids("open")[0])
    good = insert_request(db, partition_start=date(2026, 11, 1), partition_end=date(2026, 11, 2),
                          params=Jsonb({"communities": [community]}))
    no_dates = insert_request(db)
    bad_group = insert_request(db, partition_start=date(2026, 11, 1), partition_end=date(2026, 11, 1),
                               params=Jsonb({"communities": ["https://google.com/x"]}))
    # (A range that runs backwards never gets this far: the table refuses it.)
    too_early = insert_request(db, partition_start=date(2020, 1, 1), partition_end=date(2020, 1, 2))

    with build_sensor_context(instance=dagster_instance, resources={"database": database}) as context:
        result = task_request_sensor(context)
    assert [r.run_key for r in result.run_requests] == [f"task:{good}"]
    request = result.run_requests[0]
    assert request.tags[RANGE_START_TAG] == "2026-11-01"
    failed = {r["task_id"]: r["error_message"] for r in task_rows(db) if r["status"] == "failed"}
    assert set(failed) == {no_dates, bad_group, too_early}
    assert "required" in failed[no_dates] and "not VK communities" in failed[bad_group]
    assert "partition_start <= partition_end" in failed[too_early]

    # The next evaluation starts after the cursor: nothing is launched twice.
    with build_sensor_context(instance=dagster_instance, cursor=result.cursor,
                              resources={"database": database}) as context:
        again = task_request_sensor(context)
    assert not getattr(again, "run_requests", None)

    # Run it as the daemon would: the requested row follows the run to completion.
    job = defs.resolve_job_def("collect")
    run = job.execute_in_process(instance=dagster_instance, run_config=request.run_config,
                                 tags=request.tags, resources={"database": database, "vk": vk})
    mirror_run(database, dagster_instance, dagster_instance.get_run_by_id(run.run_id))
    row = db.execute("SELECT * FROM vk.tasks WHERE task_id = %s", (good,)).fetchone()
    assert row["dagster_run_id"] == run.run_id and row["status"] == "completed"
    assert row["requested_by"] == "crm" and row["progress_done"] == row["progress_total"] > 0
    # Only the requested community was loaded.
    assert {r["group_id"] for r in db.execute("SELECT DISTINCT group_id FROM vk.posts")} == {int(community)}
