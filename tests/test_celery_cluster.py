"""VK_EXECUTOR=celery on a real broker: two Celery workers (pipelines/workers.py) on RabbitMQ,
runs launched from the command line (tests/run_range.py, a run worker each), the VK
stand-in with VK's per-token rate limit. A backfill's steps spread over both workers and load
exactly what VK has; a worker killed outright mid-step fails its run in bounded time, frees
its pool slot, and the rerun is exact."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from dagster import DagsterEventType, DagsterInstance, DagsterRunStatus, materialize
from psycopg.rows import dict_row

from assets.groups import groups
from assets.partitions import RANGE_START_TAG
from pipelines.pools import VK_POOL, size_vk_pool
from pipelines.workers import start_worker, stop_worker
from resources.database import PostgresResource
from resources.vk import VkApiResource
from tests.instances import dagster_instance_in
from tests.test_loading import loaded_comments, loaded_posts, truth_comments, truth_posts
from tests.waiting import wait_until
from vk_standin.latency import NONE, Latency
from vk_standin.server import StandInServer
from vk_standin.world import World

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

REPO_ROOT = Path(__file__).resolve().parents[1]
BROKER = ("127.0.0.1", 5672)
# Midnight in Moscow, where the day partitions live; six days, three runs of two days each, as
# a backfill with two partitions per run launches them.
WORLD_START = datetime(2026, 10, 31, 21, 0, tzinfo=UTC)
DAYS = 6
FIRST_DAY = date(2026, 11, 1)
RPS_PER_TOKEN = 3
# Leases renewed every 2 s and dead after 10 s: the kill is noticed in seconds, not minutes.
LEASE_RENEW, LEASE_EXPIRY = 2, 10
# Lease expiry, a renewal, the run worker's status check and its exit, on two busy cores.
KILL_RECOVERY_TIMEOUT = 60
RUN_TIMEOUT = 240


def _broker_reachable() -> bool:
    try:
        with socket.create_connection(BROKER, timeout=2):
            return True
    except OSError:
        return False


def _day(n: int) -> str:
    return (FIRST_DAY + timedelta(days=n)).isoformat()


@dataclass
class Cluster:
    env: dict[str, str]
    instance: DagsterInstance
    server: StandInServer
    world: World
    app_url: str
    logs: Path
    workers: dict[str, subprocess.Popen] = field(default_factory=dict)

    def start_workers(self, *names: str) -> None:
        for name in names:
            if name not in self.workers or self.workers[name].poll() is not None:
                self.workers[name] = start_worker(name, self.env, self.logs / f"{name}.log")
        # Celery answers a ping once the worker consumes from the broker.
        def up() -> bool:
            for name in names:
                if self.workers[name].poll() is not None:
                    raise AssertionError(f"worker {name} exited\n{self.log_tail(name)}")
            return set(names) <= self.responding_workers()

        wait_until(up, 90, 1,
                   lambda: f"workers {names} never answered a ping\n{self.log_tail(names[0])}")

    def responding_workers(self) -> set[str]:
        from dagster_celery.executor import CeleryExecutor
        from dagster_celery.make_app import make_app

        from pipelines.cluster import celery_config

        app = make_app(CeleryExecutor.for_cli(**celery_config()).app_args())
        replies = app.control.inspect(timeout=2).ping() or {}
        return {name.split("@")[0] for name in replies}

    def log_tail(self, name: str, lines: int = 40) -> str:
        path = self.logs / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def launch(self, first: str, last: str) -> subprocess.Popen:
        """A run of posts and comments over first..last, its run worker in this process."""
        log = (self.logs / f"run_{first}_{last}_{secrets.token_hex(2)}.log").open("wb")
        return subprocess.Popen(
            [sys.executable, "-m", "tests.run_range", first, last],
            cwd=REPO_ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True)

    def run_of(self, first: str) -> str | None:
        runs = [r for r in self.instance.get_runs() if r.tags.get(RANGE_START_TAG) == first]
        return runs[0].run_id if runs else None

    def celery_hosts(self, run_id: str) -> set[str]:
        """The worker each step ran on, from the engine events dagster-celery writes."""
        hosts = set()
        for entry in self.instance.all_logs(run_id, of_type=DagsterEventType.ENGINE_EVENT):
            if "in celery worker" not in (entry.message or ""):
                continue
            hosts.add(entry.dagster_event.engine_event_data.metadata["Celery worker"].value)
        return hosts

    def vk_pool(self):
        return self.instance.event_log_storage.get_concurrency_info(VK_POOL)

    def db(self) -> psycopg.Connection:
        return psycopg.connect(self.app_url, autocommit=True, row_factory=dict_row)

    def upload_groups(self, tmp_path: Path) -> None:
        upload = tmp_path / "groups.txt"
        upload.write_text("\n".join(str(g) for g in self.world.group_ids()) + "\n")
        result = materialize(
            [groups], instance=self.instance,
            resources={"database": PostgresResource(database_url=self.app_url),
                       "vk": VkApiResource(token=self.server.token, base_url=self.server.base_url,
                                           requests_per_second=RPS_PER_TOKEN)},
            run_config={"ops": {"groups": {"config": {"upload_paths": [str(upload)]}}}})
        assert result.success

    def assert_loaded_equals_truth(self) -> tuple[int, int]:
        with self.db() as conn:
            posts, comments = loaded_posts(conn), loaded_comments(conn)
        expected_posts, expected_comments = truth_posts(self.world), truth_comments(self.world)
        assert len(expected_posts) >= 10 and len(expected_comments) >= 30, "the world proves nothing"
        assert posts == expected_posts
        assert comments == expected_comments
        return len(posts), len(comments)


def _wait_run(process: subprocess.Popen, timeout: float = RUN_TIMEOUT) -> int:
    try:
        return process.wait(timeout=timeout)
    finally:
        _stop_group(process)


def _stop_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=10)


@pytest.fixture(scope="module")
def cluster(pg_server_url: str, migrated_database: str, tmp_path_factory) -> Iterator[Cluster]:
    if not _broker_reachable():
        pytest.skip(f"RabbitMQ is not reachable at {BROKER[0]}:{BROKER[1]}: the Celery tests need a broker")
    world = World(seed=16, n_groups=6, start=WORLD_START, days=DAYS, posts_per_day=2.0,
                  mean_comments=4.0, max_comments=60, hot_post_share=0.05)
    root = tmp_path_factory.mktemp("celery")
    home = root / "dagster_home"
    with dagster_instance_in(pg_server_url, home) as (instance, storage_url), \
            StandInServer(world, rps_per_token=RPS_PER_TOKEN) as server:
        env = {
            **os.environ,
            "PYTHONPATH": str(REPO_ROOT),
            "DAGSTER_HOME": str(home),
            "DAGSTER_STORAGE_URL": storage_url,
            "DATABASE_URL": migrated_database,
            "VK_EXECUTOR": "celery",
            "VK_TOKEN": server.token,
            "VK_API_BASE_URL": server.base_url,
            "VK_REQUESTS_PER_SECOND": str(RPS_PER_TOKEN),
            "VK_RUN_RETRY_DELAY_SECONDS": "0.1",
            "VK_RUN_LEASE_RENEW_SECONDS": str(LEASE_RENEW),
            "VK_RUN_LEASE_EXPIRY_SECONDS": str(LEASE_EXPIRY),
        }
        env.pop("DAGSTER_DATABASE_URL", None)
        cluster = Cluster(env=env, instance=instance, server=server, world=world,
                          app_url=migrated_database, logs=root)
        try:
            # One token, one slot: the pool follows the tokens, and the token's 3 requests/s
            # hold across the workers because its steps take turns.
            assert size_vk_pool(instance, tokens=1) == 1
            cluster.start_workers("w1", "w2")
            yield cluster
        finally:
            for worker in cluster.workers.values():
                stop_worker(worker)


def test_a_backfill_on_two_celery_workers_spreads_its_steps_and_loads_the_ground_truth(
        cluster: Cluster, db, tmp_path):
    cluster.upload_groups(tmp_path)
    cluster.server.reset_counters()

    ranges = [(_day(n), _day(n + 1)) for n in range(0, DAYS, 2)]
    launched = [cluster.launch(first, last) for first, last in ranges]
    codes = [_wait_run(process) for process in launched]
    assert codes == [0] * len(ranges), f"run workers exited with {codes}"

    run_ids = [cluster.run_of(first) for first, _ in ranges]
    statuses = [cluster.instance.get_run_by_id(run_id).status for run_id in run_ids]
    assert statuses == [DagsterRunStatus.SUCCESS] * len(ranges)
    hosts = set().union(*(cluster.celery_hosts(run_id) for run_id in run_ids))
    assert {host.split("@")[0] for host in hosts} == {"w1", "w2"}, f"steps ran on {hosts} only"

    cluster.assert_loaded_equals_truth()
    # The stand-in measured the token's rate on its side, across both workers.
    assert cluster.server.max_requests_in_window(cluster.server.token) <= RPS_PER_TOKEN
    assert 6 not in cluster.server.counters.errors, "a request was refused for exceeding the rate"
    pool = cluster.vk_pool()
    assert (pool.slot_count, pool.claimed_slots, pool.pending_steps) == (1, [], [])


def test_a_worker_killed_mid_step_fails_its_run_in_bounded_time_and_the_rerun_is_exact(
        cluster: Cluster, db, tmp_path):
    cluster.start_workers("w1", "w2")
    cluster.upload_groups(tmp_path)
    first, last = _day(0), _day(DAYS - 1)
    # VK slowed down, so that the kill lands inside a step, between two of its requests.
    cluster.server.latency = Latency(base_seconds=1.0)
    try:
        doomed = cluster.launch(first, last)

        def step_holder():
            # The process that opened the database for the run's step: a worker's pool child.
            run_id = cluster.run_of(first)
            if run_id is None:
                return None
            with cluster.db() as conn:
                holders = [r["holder"] for r in conn.execute(
                    "SELECT holder FROM vk.run_leases WHERE run_id = %s", (run_id,))]
            for holder in holders:
                pid = int(holder.rsplit(":", 1)[1])
                for name, worker in cluster.workers.items():
                    try:
                        if os.getpgid(pid) == worker.pid:
                            return run_id, name
                    except ProcessLookupError:
                        continue
            return None

        run_id, victim = wait_until(step_holder, 120, 0.5, "no worker ever started the run's step")
        requests_before = cluster.server.counters.http_requests
        wait_until(lambda: cluster.server.counters.http_requests > requests_before, 30, 0.2,
                   "the step sent no request to VK")
        # The whole worker, main process and pool child, as when its machine is lost.
        os.killpg(cluster.workers[victim].pid, signal.SIGKILL)
        killed_at = time.monotonic()
    finally:
        cluster.server.latency = NONE

    wait_until(lambda: cluster.instance.get_run_by_id(run_id).status == DagsterRunStatus.FAILURE,
               KILL_RECOVERY_TIMEOUT, 1, "the run of the killed worker never failed")
    # The run worker does not poll for ever a step nobody runs: it stops by itself.
    wait_until(lambda: doomed.poll() is not None, KILL_RECOVERY_TIMEOUT, 1,
               "the run worker kept polling after its run failed")
    _stop_group(doomed)

    def slot_free():
        pool = cluster.vk_pool()
        return not pool.claimed_slots and run_id not in pool.active_run_ids
    wait_until(slot_free, KILL_RECOVERY_TIMEOUT, 1, "the killed run's vk_api slot was never freed")
    recovered_in = time.monotonic() - killed_at
    assert recovered_in < KILL_RECOVERY_TIMEOUT
    with cluster.db() as conn:
        leases = conn.execute("SELECT count(*) AS n FROM vk.run_leases WHERE run_id = %s",
                              (run_id,)).fetchone()["n"]
    assert leases == 0, "the dead run's lease outlived it"

    # The next run is not blocked (one worker left), and it completes what the killed one began.
    rerun = cluster.launch(first, last)
    assert _wait_run(rerun) == 0
    cluster.assert_loaded_equals_truth()
