"""A load launched by the daemon and killed outright mid-run: the deployment unblocks itself
(run failed, task failed with a reason, pool slot free) and the rerun is exact."""

from __future__ import annotations

import os
import signal
import time
from datetime import date

import pytest

from vk_standin.latency import NONE, Latency

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

FIRST, LAST = date(2025, 2, 1), date(2025, 3, 31)
# Failure noticed, task mirrored and slot freed: the lease expiry (60 s) plus the daemon's
# 15 s monitoring and 5 s sensor intervals, with room for two busy cores.
RECOVERY_TIMEOUT = 180

CONCURRENCY = """
query Pool($key: String!) {
  instance { concurrencyLimit(concurrencyKey: $key) { activeSlotCount activeRunIds } }
}
"""


def wait_for(what: str, predicate, timeout: float, details=lambda: ""):
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        assert time.monotonic() < deadline, f"{what}: not within {timeout} s\n{details()}"
        time.sleep(1)
    return value


def test_a_daemon_launched_load_killed_mid_run_unblocks_the_pool_and_the_rerun_is_exact(
        dagster_ui, monitored_groups, standin):
    start, end = dagster_ui.day_window(FIRST, LAST)
    dagster_ui.forget_window(start, end)
    tags = {"dagster/asset_partition_range_start": FIRST.isoformat(),
            "dagster/asset_partition_range_end": LAST.isoformat()}
    dagster_ui.wait_for_run(dagster_ui.launch_run(assets=["posts"], tags=tags))

    # VK slowed down so that the kill lands between two communities' comments.
    standin.latency = Latency(base_seconds=2.0)
    try:
        run_id = dagster_ui.launch_run(assets=["comments"], tags=tags)

        def progress():
            with dagster_ui.db() as conn:
                row = conn.execute(
                    "SELECT t.progress_done, l.holder FROM vk.tasks t "
                    "JOIN vk.run_leases l ON l.run_id = t.dagster_run_id "
                    "WHERE t.dagster_run_id = %s AND t.progress_done >= 1", (run_id,)).fetchone()
            return row

        row = wait_for("one community's comments stored", progress, 240, dagster_ui.log_tail)
        os.kill(int(row["holder"].rsplit(":", 1)[1]), signal.SIGKILL)
        killed_at = time.monotonic()
    finally:
        standin.latency = NONE

    failed = wait_for("the killed run failed", lambda: dagster_ui.run(run_id)["status"] == "FAILURE",
                      RECOVERY_TIMEOUT, dagster_ui.log_tail)
    assert failed

    def task_failed():
        task = dagster_ui.tasks_of_runs({run_id})
        return task and task[0]["status"] == "failed" and task[0]["error_message"] and task[0]

    task = wait_for("vk.tasks says failed with a reason", task_failed, RECOVERY_TIMEOUT)
    assert task["progress_done"] < task["progress_total"], task

    def slot_free():
        pool = dagster_ui.graphql(CONCURRENCY, {"key": "vk_api"})["instance"]["concurrencyLimit"]
        return run_id not in pool["activeRunIds"] and pool["activeSlotCount"] == 0

    wait_for("the killed run's vk_api slot freed", slot_free, RECOVERY_TIMEOUT)
    assert time.monotonic() - killed_at < RECOVERY_TIMEOUT
    with dagster_ui.db() as conn:
        leases = conn.execute("SELECT count(*) AS n FROM vk.run_leases WHERE run_id = %s",
                              (run_id,)).fetchone()["n"]
    assert leases == 0, "the dead run's lease outlived it"

    # The next run is not blocked, and it completes what the killed one began.
    dagster_ui.wait_for_run(dagster_ui.launch_run(assets=["comments"], tags=tags))
    posts, comments = dagster_ui.assert_window_equals_truth(start, end)
    assert posts >= 10 and comments >= 10, (posts, comments)
