"""A run killed outright (SIGKILL, started from the command line: no daemon, no launcher that
could notice) must not keep its `vk_api` pool slot: the next run reaps it and goes on."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from dagster import DagsterRunStatus, asset, materialize

from assets.tasks import mirror_run
from resources.database import PostgresResource
from tests.waiting import wait_until

# Seconds, short so the test is quick; production renews every 10 s and expires after 60 s.
RENEW, EXPIRY = 0.5, 3.0

VICTIM = textwrap.dedent("""
    import sys, time
    from dagster import DagsterInstance, asset, materialize
    from resources.database import PostgresResource

    @asset(pool="vk_api")
    def holds_the_vk_slot(database: PostgresResource) -> None:
        with database.connection() as conn:
            conn.execute("INSERT INTO vk.run_leases_probe VALUES (1)")
        time.sleep(600)

    materialize([holds_the_vk_slot], instance=DagsterInstance.get(), resources={
        "database": PostgresResource(database_url=sys.argv[1], lease_renew_seconds=%(renew)s,
                                     lease_expiry_seconds=%(expiry)s)})
""" % {"renew": RENEW, "expiry": EXPIRY})


@asset(pool="vk_api", name="holds_the_vk_slot")
def next_vk_step(database: PostgresResource) -> None:
    with database.connection() as conn:
        conn.execute("INSERT INTO vk.run_leases_probe VALUES (2)")


@pytest.mark.timeout(180)
def test_a_killed_run_is_reaped_by_the_next_one_which_gets_the_pool_slot(
        db, migrated_database, dagster_instance, tmp_path):
    db.execute("CREATE TABLE IF NOT EXISTS vk.run_leases_probe (step int)")
    db.execute("TRUNCATE vk.run_leases_probe")
    instance = dagster_instance
    env = {**os.environ, "DAGSTER_HOME": str(instance.root_directory)}
    victim = subprocess.Popen([sys.executable, "-c", VICTIM, migrated_database], env=env,
                              cwd=os.getcwd(), start_new_session=True)
    try:
        wait_until(lambda: db.execute("SELECT count(*) AS n FROM vk.run_leases_probe").fetchone()["n"] == 1,
                   timeout=60, interval=0.2, message="the victim's step did not start")
        run_id = db.execute("SELECT run_id FROM vk.run_leases").fetchone()["run_id"]
        killed_run = instance.get_run_by_id(run_id)
        mirror_run(PostgresResource(database_url=migrated_database), instance, killed_run)
        assert instance.event_log_storage.get_concurrency_run_ids() == {run_id}
        os.killpg(victim.pid, signal.SIGKILL)
        victim.wait(timeout=10)
    finally:
        if victim.poll() is None:
            os.killpg(victim.pid, signal.SIGKILL)
    assert instance.get_run_by_id(run_id).status == DagsterRunStatus.STARTED  # nobody noticed yet

    started = time.monotonic()
    result = materialize([next_vk_step], instance=instance, resources={"database": PostgresResource(
        database_url=migrated_database, lease_renew_seconds=RENEW, lease_expiry_seconds=EXPIRY)})
    waited = time.monotonic() - started

    assert result.success
    assert waited < EXPIRY + 30, f"the next run waited {waited:.0f} s for the dead run's slot"
    steps = [r["step"] for r in db.execute("SELECT step FROM vk.run_leases_probe ORDER BY step")]
    assert steps == [1, 2]
    dead = instance.get_run_by_id(run_id)
    assert dead.status == DagsterRunStatus.FAILURE
    failure = instance.get_records_for_run(run_id, of_type=None).records[-1].event_log_entry
    assert "run worker lost" in failure.message
    assert run_id not in instance.event_log_storage.get_concurrency_run_ids()
    task = db.execute("SELECT status, error_message FROM vk.tasks WHERE dagster_run_id = %s",
                      (run_id,)).fetchone()
    assert task["status"] == "failed" and "run worker lost" in task["error_message"]
    # Nothing the runs held outlives them: no lease is left behind.
    assert db.execute("SELECT count(*) AS n FROM vk.run_leases").fetchone()["n"] == 0
