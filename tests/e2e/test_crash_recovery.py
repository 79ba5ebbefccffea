"""A load launched by the daemon and killed outright mid-run: the deployment unblocks itself
(run failed, task failed with a reason, pool slot free) and the rerun is exact."""

from __future__ import annotations

import os
import signal
import time
from datetime import date

import pytest

from assets.partitions import range_tags
from tests.waiting import wait_until
from vk_standin.latency import NONE, Latency

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

FIRST, LAST = date(2025, 2, 1), date(2025, 3, 31)
# Failure noticed, task mirrored and slot freed: the lease expiry (60 s) plus the daemon's
# 15 s monitoring and 5 s sensor intervals, with room for two busy cores.
RECOVERY_TIMEOUT = 180



def test_a_daemon_launched_load_killed_mid_run_unblocks_the_pool_and_the_rerun_is_exact(
        dagster_ui, monitored_groups, standin):
    start, end = dagster_ui.day_window(FIRST, LAST)
    dagster_ui.forget_window(start, end)
    tags = range_tags(FIRST, LAST)
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

        row = wait_until(progress, timeout=240, interval=1,
                         message=lambda: f"no community's comments stored\n{dagster_ui.log_tail()}")
        os.kill(int(row["holder"].rsplit(":", 1)[1]), signal.SIGKILL)
        killed_at = time.monotonic()
    finally:
        standin.latency = NONE

    wait_until(lambda: dagster_ui.run(run_id)["status"] == "FAILURE", timeout=RECOVERY_TIMEOUT,
               interval=1, message=lambda: f"the killed run never failed\n{dagster_ui.log_tail()}")

    def task_failed():
        task = dagster_ui.tasks_of_runs({run_id})
        return task and task[0]["status"] == "failed" and task[0]["error_message"] and task[0]

    task = wait_until(task_failed, timeout=RECOVERY_TIMEOUT, interval=1,
                      message="vk.tasks never said failed with a reason")
    assert task["progress_done"] < task["progress_total"], task

    def slot_free():
        pool = dagster_ui.pool("vk_api")
        return run_id not in pool["activeRunIds"] and pool["activeSlotCount"] == 0

    wait_until(slot_free, timeout=RECOVERY_TIMEOUT, interval=1,
               message="the killed run's vk_api slot was never freed")
    assert time.monotonic() - killed_at < RECOVERY_TIMEOUT
    with dagster_ui.db() as conn:
        leases = conn.execute("SELECT count(*) AS n FROM vk.run_leases WHERE run_id = %s",
                              (run_id,)).fetchone()["n"]
    assert leases == 0, "the dead run's lease outlived it"

    # The next run is not blocked, and it completes what the killed one began.
    dagster_ui.wait_for_run(dagster_ui.launch_run(assets=["comments"], tags=tags))
    posts, comments = dagster_ui.assert_window_equals_truth(start, end)
    assert posts >= 10 and comments >= 10, (posts, comments)
