"""Liveness of runs: every process working for a run renews a lease; dead runs are reaped.

Dagster notices a dead run only where its launcher can ask (a run launched by the daemon's code
server); a run started from the command line, or a step whose Celery worker was killed, stays
STARTED and keeps its `vk_api` pool slot, and every later VK run waits behind it for ever. So
each process that opens the application database for a run holds a row in `vk.run_leases` and
renews it every `renew_seconds` from a thread of its own; and on each renewal it also reaps:
a lease not renewed for `expiry_seconds` belongs to a process that is gone, and its run is
failed, its pool slots freed and its task marked failed. A run waiting for a slot reaps the run
that holds it, so no daemon is needed for the deployment to unblock itself.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg
from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

from resources.database import load_sql
from resources.postgres_server import libpq_url

log = logging.getLogger(__name__)
FINISHED = [DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED]


@dataclass(frozen=True)
class LeaseTimes:
    renew_seconds: float = 10.0
    # Several missed renewals: a process busy in a long statement still renews from its thread.
    expiry_seconds: float = 60.0


def holder_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@contextmanager
def run_lease(database_url: str, instance: DagsterInstance, run_id: str,
              times: LeaseTimes = LeaseTimes()) -> Iterator[None]:
    """Hold the run's lease (and reap dead runs) while the block runs."""
    holder = holder_name()
    params = {"run_id": run_id, "holder": holder}
    stop = threading.Event()

    def beat() -> None:
        # A connection of its own: the run's pool may be busy, and the lease must go on.
        with psycopg.connect(libpq_url(database_url), autocommit=True, connect_timeout=10) as conn:
            conn.execute(load_sql("run_lease_renew"), params)
            reap_dead_runs(instance, conn, times.expiry_seconds)

    beat()

    def renew() -> None:
        while not stop.wait(times.renew_seconds):
            try:
                beat()
            except Exception as error:  # the run itself reports a database that went away
                log.warning("run lease of %s not renewed: %s", run_id, type(error).__name__)

    thread = threading.Thread(target=renew, name=f"run-lease-{run_id[:8]}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=times.renew_seconds + 15)
        try:
            with psycopg.connect(libpq_url(database_url), autocommit=True, connect_timeout=10) as conn:
                conn.execute(load_sql("run_lease_release"), params)
        except psycopg.Error:
            pass  # an expired lease of a finished run is reaped without harm


def reap_dead_runs(instance: DagsterInstance, conn: psycopg.Connection, expiry_seconds: float) -> list[str]:
    """Fail the runs whose leases expired and free the pool slots of every finished run (on an
    autocommit connection); the ids of the runs found dead."""
    expired = conn.execute(load_sql("run_leases_take_expired"),
                           {"expiry_seconds": expiry_seconds}).fetchall()
    dead = []
    for run_id in dict.fromkeys(row[0] for row in expired):
        run = instance.get_run_by_id(run_id)
        if run is None or run.is_finished:
            continue
        holders = ", ".join(row[1] for row in expired if row[0] == run_id)
        reason = (f"run worker lost: the process working for this run ({holders}) stopped "
                  f"renewing its lease for over {expiry_seconds:.0f} s (killed, or its machine "
                  "gone); the run is failed so that its pool slots are freed")
        instance.report_run_failed(run, reason)
        conn.execute(load_sql("tasks_fail_dead_run"), {"run_id": run_id, "reason": reason})
        dead.append(run_id)
    freed = free_slots_of_finished_runs(instance)
    if freed:
        conn.execute(load_sql("run_leases_release_run"), {"run_ids": freed})
    for run_id in dead:
        log.warning("run %s found dead and failed; its pool slots are freed", run_id)
    return dead


def free_slots_of_finished_runs(instance: DagsterInstance) -> list[str]:
    """What Dagster's run monitoring does with `free_slots_after_run_end_seconds`, without
    waiting for a daemon that may not run."""
    storage = instance.event_log_storage
    if not storage.supports_global_concurrency_limits:
        return []
    run_ids = storage.get_concurrency_run_ids()
    if not run_ids:
        return []
    finished = [record.dagster_run.run_id for record in instance.get_run_records(
        filters=RunsFilter(run_ids=list(run_ids), statuses=FINISHED))]
    for run_id in finished:
        storage.free_concurrency_slots_for_run(run_id)
    return finished
