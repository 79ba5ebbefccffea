"""Work launched through the webserver's GraphQL API, as the UI launches it, run by the daemon
and the code server of a real `dagster dev`, checked against the VK stand-in's ground truth."""

from __future__ import annotations

from datetime import date

import pytest

from assets.partitions import PARTITION_TAG, RANGE_END_TAG, RANGE_START_TAG
from tests.waiting import wait_until

# The year backfill dominates: 12 runs on two cores (see YEAR_BACKFILL_TIMEOUT).
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]


def test_groups_launched_through_graphql_store_every_uploaded_community(dagster_ui, monitored_groups,
                                                                      e2e_world):
    # monitored_groups launched the `groups` asset with the upload as run config and waited.
    expected = {g.id: ("valid" if g.kind == "open" else g.kind) for g in map(e2e_world.group_by_id,
                                                                            e2e_world.group_ids())}
    with dagster_ui.db() as conn:
        stored = {r["group_id"]: r["validation_status"]
                  for r in conn.execute("SELECT group_id, validation_status FROM vk.groups WHERE is_monitored")}
        lines = conn.execute("SELECT count(*) AS n FROM vk.group_upload_lines").fetchone()["n"]
    assert stored == expected
    assert lines == len(expected)


def test_the_daemon_loads_the_history_of_communities_uploaded_from_the_asset_page(dagster_ui,
                                                                                monitored_groups):
    # monitored_groups ran `groups` the way the asset page's Materialize button does, in
    # Dagster's own asset job; the daemon's history sensor answers it with a run of its own.
    runs = wait_until(
        lambda: dagster_ui.runs_tagged("dagster/sensor_name", "new_groups_history_sensor"),
        HISTORY_SENSOR_TIMEOUT, 2,
        lambda: f"no history run {HISTORY_SENSOR_TIMEOUT} s after the groups run\n{dagster_ui.log_tail()}")
    assert len(runs) == 1
    dagster_ui.wait_for_run(runs[0]["runId"])
    assert runs[0]["tags_dict"]["vk/new_communities"] == str(len(monitored_groups))


def test_a_partition_launched_through_graphql_loads_exactly_that_day(dagster_ui, monitored_groups):
    day = date(2025, 6, 15)
    start, end = dagster_ui.day_window(day, day)
    dagster_ui.forget_window(start, end)

    run_id = dagster_ui.launch_run(assets=["posts", "comments"], tags={PARTITION_TAG: day.isoformat()})
    run = dagster_ui.wait_for_run(run_id)

    assert {tag["key"]: tag["value"] for tag in run["tags"]}[PARTITION_TAG] == "2025-06-15"
    posts, comments = dagster_ui.assert_window_equals_truth(start, end)
    assert posts >= 2 and comments >= 1, (posts, comments)


YEAR_FIRST, YEAR_LAST = date(2025, 1, 1), date(2025, 12, 31)
# Run status sensors are evaluated every 30 s by default; the daemon may be busy with others.
HISTORY_SENSOR_TIMEOUT = 240
# Measured on two cores: ~200 s of runs when a run executes its steps in one process, ~540 s
# when every step (asset checks included) starts a process of its own (the default executor),
# and more than 900 s of that with a benchmark loading the same machine. Bounded, with room.
YEAR_BACKFILL_TIMEOUT = 1200
# The run status sensors that mirror runs into vk.tasks are evaluated on an interval too.
MIRROR_TIMEOUT = 150


@pytest.fixture(scope="module")
def year_backfill(dagster_ui, monitored_groups):
    """Posts and comments of every day of 2025, launched as one backfill the way the UI does."""
    start, end = dagster_ui.day_window(YEAR_FIRST, YEAR_LAST)
    dagster_ui.forget_window(start, end)
    keys = dagster_ui.partition_keys(YEAR_FIRST, YEAR_LAST)
    backfill_id = dagster_ui.launch_backfill(assets=["posts", "comments"], partition_names=keys,
                                             title="e2e: the year 2025")
    backfill, runs = dagster_ui.wait_for_backfill(backfill_id, timeout=YEAR_BACKFILL_TIMEOUT)
    return {"id": backfill_id, "backfill": backfill, "runs": runs, "keys": keys, "window": (start, end)}


def test_a_year_backfill_runs_in_at_most_13_runs_and_loads_exactly_the_year(dagster_ui, year_backfill):
    runs = year_backfill["runs"]
    assert year_backfill["backfill"]["numPartitions"] == 365
    starts = sorted(run["tags_dict"].get(RANGE_START_TAG, "?") for run in runs)
    assert 1 <= len(runs) <= 13, f"{len(runs)} runs for a year, starting on {starts}"

    # Together the runs' partition ranges cover every day of the year exactly once.
    covered = []
    for run in runs:
        tags = run["tags_dict"]
        first = tags.get(RANGE_START_TAG) or tags.get(PARTITION_TAG)
        last = tags.get(RANGE_END_TAG) or tags.get(PARTITION_TAG)
        assert first and last, f"run {run['runId']} names no partitions: {tags}"
        covered += dagster_ui.partition_keys(date.fromisoformat(first), date.fromisoformat(last))
    assert sorted(covered) == year_backfill["keys"]

    posts, comments = dagster_ui.assert_window_equals_truth(*year_backfill["window"])
    assert posts > 500 and comments > 500, (posts, comments)
    started = min(run["startTime"] for run in runs)
    ended = max(run["endTime"] for run in runs)
    print(f"year backfill: {len(runs)} runs, {posts} posts, {comments} comments, "
          f"first start to last end {ended - started:.0f} s")


def test_the_tasks_table_mirrors_every_backfill_run_as_completed(dagster_ui, year_backfill):
    run_ids = {run["runId"] for run in year_backfill["runs"]}
    # The mirror is run status sensors writing vk.tasks (pipelines/sensors.py); a fresh deployment
    # must run them without anyone starting them by hand.
    mirrors = [s for s in dagster_ui.sensors() if s["sensorType"] == "RUN_STATUS"]
    assert mirrors, "no run status sensor in the code location: nothing mirrors runs into vk.tasks"
    stopped = [s["name"] for s in mirrors if s["sensorState"]["status"] != "RUNNING"]
    assert not stopped, (f"run status sensors {stopped} are STOPPED in a fresh deployment: nothing "
                         "mirrors runs into vk.tasks until someone starts them (default_status=RUNNING)")

    rows: list[dict] = []

    def mirrored() -> bool:
        nonlocal rows
        rows = dagster_ui.tasks_of_runs(run_ids)
        return len(rows) == len(run_ids) and all(row["status"] == "completed" for row in rows)

    def unmirrored() -> str:
        without_row = sorted(run_ids - {row["dagster_run_id"] for row in rows})
        not_completed = [row for row in rows if row["status"] != "completed"]
        return (f"{len(rows)} vk.tasks rows for {len(run_ids)} runs; runs without a row: "
                f"{without_row[:5]}; rows not completed after the runs succeeded: {not_completed[:3]}")

    # The daemon evaluates sensors on an interval: give the last runs' events time to arrive.
    wait_until(mirrored, MIRROR_TIMEOUT, 3, unmirrored)
    by_run = {row["dagster_run_id"]: row for row in rows}
    assert len(by_run) == len(rows), f"runs with more than one vk.tasks row: {unmirrored()}"
    ranges = {run["runId"]: (run["tags_dict"].get(RANGE_START_TAG),
                             run["tags_dict"].get(RANGE_END_TAG))
              for run in year_backfill["runs"]}
    wrong_range = [(row["dagster_run_id"], row["partition_start"], row["partition_end"],
                    ranges[row["dagster_run_id"]]) for row in rows
                   if (str(row["partition_start"]), str(row["partition_end"])) != ranges[row["dagster_run_id"]]]
    assert not wrong_range, f"rows whose days differ from their run's partition range: {wrong_range[:3]}"
    unfinished_progress = [row for row in rows
                           if row["progress_total"] is not None and row["progress_done"] != row["progress_total"]]
    assert not unfinished_progress, f"completed rows whose progress is not full: {unfinished_progress[:3]}"
