"""The UI path, tested as a user meets it: `dagster dev` (webserver + daemon + code server) in
processes of its own, against throwaway databases on the server under test and the VK stand-in
served from this process; work is launched through the webserver's GraphQL API (or its pages).

One stack serves the whole session (starting it costs ~30 s). Tests never rely on each other's
data: each deletes the rows of its own window first, so what it finds was loaded by its launch.
"""

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
from zoneinfo import ZoneInfo

import psycopg
import pytest
import requests
from psycopg.rows import dict_row

from pipelines.local_env import prepare_dagster_home
from resources.database import upgrade_schema
from resources.postgres_server import drop_database, ensure_database, with_database
from vk_standin.server import StandInServer
from vk_standin.world import World

REPO_ROOT = Path(__file__).resolve().parents[2]
MOSCOW = ZoneInfo("Europe/Moscow")
PARTITIONS_START = "2025-01-01"
# Generous but bounded: `dagster dev` on two cores with PostgreSQL storage.
STARTUP_TIMEOUT = 180
RUN_TIMEOUT = 240
REPOSITORY_NAME = "__repository__"
RANGE_START = "dagster/asset_partition_range_start"


def moscow_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=MOSCOW).astimezone(UTC)


def day_window(first: date, last: date) -> tuple[datetime, datetime]:
    """[start, end) in UTC of the Moscow days first..last, as the partitions define them."""
    return moscow_midnight(first), moscow_midnight(last + timedelta(days=1))


def partition_keys(first: date, last: date) -> list[str]:
    return [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]


@pytest.fixture(scope="session")
def e2e_world() -> World:
    """A year of 2025 (Moscow days) on four open communities and four that cannot be read.

    Small on purpose: the year backfill must stay quick, yet every day partition is a real
    window with posts, comments, reply branches, deleted comments and closed comment sections.
    """
    return World(seed=2025, n_groups=8, start=moscow_midnight(date(2025, 1, 1)), days=365,
                 posts_per_day=0.6, mean_comments=2.0, max_comments=40, hot_post_share=0.01)


@pytest.fixture(scope="session")
def standin(e2e_world: World) -> Iterator[StandInServer]:
    # Served on 127.0.0.1 from a thread here: Dagster's run processes reach it over loopback.
    with StandInServer(e2e_world) as server:
        yield server


class GraphQLError(AssertionError):
    pass


@dataclass
class DagsterUi:
    """A running `dagster dev` and what the tests ask of it through GraphQL."""

    url: str
    process: subprocess.Popen
    log_path: Path
    app_database_url: str
    world: World
    location: str = ""
    session: requests.Session = field(default_factory=requests.Session)

    # The day arithmetic of the partitions, for the tests (which import nothing from here).
    day_window = staticmethod(day_window)
    partition_keys = staticmethod(partition_keys)

    # ---------------------------------------------------------------- plumbing
    def log_tail(self, lines: int = 60) -> str:
        try:
            text = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return "(no dagster dev log)"
        return "\n".join(text[-lines:])

    def graphql(self, query: str, variables: dict | None = None, timeout: float = 60) -> dict:
        response = self.session.post(f"{self.url}/graphql", json={"query": query, "variables": variables or {}},
                                     timeout=timeout)
        if response.status_code != 200:
            raise GraphQLError(f"GraphQL HTTP {response.status_code}: {response.text[:2000]}")
        body = response.json()
        if body.get("errors"):
            raise GraphQLError(f"GraphQL errors: {body['errors']}")
        return body["data"]

    def db(self) -> psycopg.Connection:
        return psycopg.connect(self.app_database_url, autocommit=True, row_factory=dict_row)

    # ------------------------------------------------------------------ launch
    def _selector(self, job: str, assets: list[str] | None) -> dict:
        selector = {"repositoryLocationName": self.location, "repositoryName": REPOSITORY_NAME,
                    "jobName": job}
        if assets is not None:
            selector["assetSelection"] = [{"path": [name]} for name in assets]
        return selector

    def launch_run(self, *, job: str = "__ASSET_JOB", assets: list[str] | None = None,
                   tags: dict[str, str] | None = None, run_config: dict | None = None) -> str:
        data = self.graphql(LAUNCH_RUN, {"executionParams": {
            "selector": self._selector(job, assets),
            "runConfigData": run_config or {},
            "executionMetadata": {"tags": [{"key": k, "value": v} for k, v in (tags or {}).items()]},
        }})
        result = data["launchRun"]
        if result["__typename"] != "LaunchRunSuccess":
            raise GraphQLError(f"launchRun refused: {result}")
        return result["run"]["runId"]

    def launch_backfill(self, *, assets: list[str], partition_names: list[str],
                        title: str | None = None) -> str:
        data = self.graphql(LAUNCH_BACKFILL, {"backfillParams": {
            "assetSelection": [{"path": [name]} for name in assets],
            "partitionNames": partition_names,
            "fromFailure": False,
            "title": title,
        }})
        result = data["launchPartitionBackfill"]
        if result["__typename"] != "LaunchBackfillSuccess":
            raise GraphQLError(f"launchPartitionBackfill refused: {result}")
        return result["backfillId"]

    # -------------------------------------------------------------------- wait
    def run(self, run_id: str) -> dict:
        result = self.graphql(RUN_STATUS, {"runId": run_id})["runOrError"]
        if result["__typename"] != "Run":
            raise GraphQLError(f"run {run_id}: {result}")
        return result

    def wait_for_run(self, run_id: str, timeout: float = RUN_TIMEOUT) -> dict:
        """The finished run; fails with the run's errors (event log) unless it succeeded."""
        deadline = time.monotonic() + timeout
        run = self.run(run_id)
        while run["status"] not in FINISHED_RUN_STATUSES:
            if time.monotonic() > deadline:
                raise AssertionError(f"run {run_id} still {run['status']} after {timeout:.0f} s\n"
                                     f"{self.run_errors(run_id)}\n--- dagster dev log ---\n{self.log_tail()}")
            time.sleep(1)
            run = self.run(run_id)
        if run["status"] != "SUCCESS":
            raise AssertionError(f"run {run_id} ended {run['status']}:\n{self.run_errors(run_id)}")
        return run

    def run_errors(self, run_id: str) -> str:
        """What went wrong in a run, from its event log: errors and error-level messages."""
        try:
            logs = self.graphql(RUN_LOGS, {"runId": run_id})["logsForRun"]
        except GraphQLError as error:
            return f"(event log unavailable: {error})"
        if logs["__typename"] != "EventConnection":
            return f"(event log unavailable: {logs})"
        lines = []
        for event in logs["events"]:
            error = event.get("error")
            if error:
                lines.append(f"[{event['__typename']} {event.get('stepKey') or ''}] {error['message']}\n"
                             f"{error.get('stack') and ''.join(error['stack'][-6:]) or ''}")
            elif event.get("level") in ("ERROR", "CRITICAL"):
                lines.append(f"[{event['__typename']} {event.get('stepKey') or ''}] {event['message']}")
        return "\n".join(lines) or "(no error events)"

    def backfill(self, backfill_id: str) -> dict:
        result = self.graphql(BACKFILL_STATUS, {"backfillId": backfill_id})["partitionBackfillOrError"]
        if result["__typename"] != "PartitionBackfill":
            raise GraphQLError(f"backfill {backfill_id}: {result}")
        return result

    def backfill_runs(self, backfill_id: str) -> list[dict]:
        return self.runs_tagged("dagster/backfill", backfill_id)

    def runs_tagged(self, key: str, value: str) -> list[dict]:
        result = self.graphql(RUNS_BY_TAG, {"filter": {"tags": [{"key": key, "value": value}]}})
        runs = result["runsOrError"]
        if runs["__typename"] != "Runs":
            raise GraphQLError(f"runs tagged {key}={value}: {runs}")
        for run in runs["results"]:
            run["tags_dict"] = {tag["key"]: tag["value"] for tag in run["tags"]}
        return runs["results"]

    def wait_for_backfill(self, backfill_id: str, timeout: float) -> tuple[dict, list[dict]]:
        """The finished backfill and its runs; fails with every failed run's errors."""
        deadline = time.monotonic() + timeout
        while True:
            backfill = self.backfill(backfill_id)
            runs = self.backfill_runs(backfill_id)
            failed = [run for run in runs if run["status"] in ("FAILURE", "CANCELED")]
            if failed:
                # A failed run is final (step retries happen inside it): no need to wait for the rest.
                break
            if backfill["status"] not in ("REQUESTED", "CANCELING", "FAILING"):
                # The daemon marks a backfill done once its runs are; wait for stragglers anyway.
                if all(run["status"] in FINISHED_RUN_STATUSES for run in runs):
                    break
            if time.monotonic() > deadline:
                counts = {s: sum(1 for r in runs if r["status"] == s) for s in {r["status"] for r in runs}}
                raise AssertionError(
                    f"backfill {backfill_id} still {backfill['status']} after {timeout:.0f} s; "
                    f"runs by status {counts}; error {backfill.get('error')}\n"
                    f"--- dagster dev log ---\n{self.log_tail()}")
            time.sleep(2)
        failed = [run for run in runs if run["status"] != "SUCCESS"]
        if backfill["status"] not in ("COMPLETED_SUCCESS", "COMPLETED") or failed:
            counts = {s: sum(1 for r in runs if r["status"] == s) for s in {r["status"] for r in runs}}
            details = "\n".join(
                f"run {r['runId']} {r['status']} from {r['tags_dict'].get(RANGE_START, '?')}:\n"
                f"{self.run_errors(r['runId'])}" for r in failed if r["status"] in FINISHED_RUN_STATUSES)
            raise AssertionError(f"backfill {backfill_id} is {backfill['status']} "
                                 f"(error {backfill.get('error')}); runs by status {counts}:\n{details}")
        return backfill, runs

    def sensors(self) -> list[dict]:
        result = self.graphql(SENSORS, {"selector": {"repositoryLocationName": self.location,
                                                     "repositoryName": REPOSITORY_NAME}})["sensorsOrError"]
        if result["__typename"] != "Sensors":
            raise GraphQLError(f"sensors: {result}")
        return result["results"]

    def tasks_of_runs(self, run_ids: set[str]) -> list[dict]:
        with self.db() as conn:
            return conn.execute(
                "SELECT task_id, dagster_run_id, status, progress_done, progress_total, partition_start, "
                "partition_end, error_message "
                "FROM vk.tasks WHERE dagster_run_id = ANY(%s) ORDER BY task_id", (sorted(run_ids),)).fetchall()

    # ------------------------------------------------------------ ground truth
    def forget_window(self, start: datetime, end: datetime) -> None:
        """Delete the posts and comments of [start, end): the next load must bring them back."""
        with self.db() as conn:
            conn.execute("DELETE FROM vk.comments WHERE post_published_at >= %s AND post_published_at < %s",
                         (start, end))
            conn.execute("DELETE FROM vk.posts WHERE published_at >= %s AND published_at < %s", (start, end))

    def truth(self, start: datetime, end: datetime) -> tuple[dict, dict]:
        """Posts (key -> text) and comments (key -> post, text, deleted) VK has in [start, end)."""
        posts, comments = {}, {}
        for post in self.world.posts(since=start, until=end):
            group_id = -post["owner_id"]
            posts[(group_id, post["id"])] = post["text"]
            for item in self.world.comments(group_id, post["id"]):
                comments[(group_id, item["id"])] = (post["id"], "" if item.get("deleted") else item["text"],
                                                    bool(item.get("deleted")))
        return posts, comments

    def loaded(self, start: datetime, end: datetime) -> tuple[dict, dict]:
        """The same, as the database holds it."""
        with self.db() as conn:
            posts = {(r["group_id"], r["post_id"]): r["text"] for r in conn.execute(
                "SELECT group_id, post_id, text FROM vk.posts "
                "WHERE NOT is_deleted_on_vk AND published_at >= %s AND published_at < %s", (start, end))}
            comments = {(r["group_id"], r["comment_id"]): (r["post_id"], r["text"], r["is_deleted"])
                        for r in conn.execute(
                "SELECT group_id, comment_id, post_id, text, is_deleted FROM vk.comments "
                "WHERE post_published_at >= %s AND post_published_at < %s", (start, end))}
        return posts, comments

    def assert_window_equals_truth(self, start: datetime, end: datetime) -> tuple[int, int]:
        expected_posts, expected_comments = self.truth(start, end)
        loaded_posts, loaded_comments = self.loaded(start, end)
        assert expected_posts, f"the world has no posts in {start}..{end}: the test proves nothing"
        _assert_same("posts", loaded_posts, expected_posts)
        _assert_same("comments", loaded_comments, expected_comments)
        return len(expected_posts), len(expected_comments)


def _assert_same(what: str, loaded: dict, expected: dict) -> None:
    if loaded == expected:
        return
    missing = sorted(set(expected) - set(loaded))
    extra = sorted(set(loaded) - set(expected))
    differ = sorted(k for k in set(expected) & set(loaded) if expected[k] != loaded[k])
    raise AssertionError(f"{what}: {len(loaded)} loaded, {len(expected)} on VK; missing {len(missing)} "
                         f"{missing[:5]}, extra {len(extra)} {extra[:5]}, different {len(differ)} "
                         f"{[(k, loaded[k], expected[k]) for k in differ[:3]]}")


FINISHED_RUN_STATUSES = {"SUCCESS", "FAILURE", "CANCELED"}

LAUNCH_RUN = """
mutation Launch($executionParams: ExecutionParams!) {
  launchRun(executionParams: $executionParams) {
    __typename
    ... on LaunchRunSuccess { run { runId status } }
    ... on RunConfigValidationInvalid { errors { message path reason } }
    ... on PythonError { message stack }
    ... on Error { message }
  }
}
"""

LAUNCH_BACKFILL = """
mutation Backfill($backfillParams: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $backfillParams) {
    __typename
    ... on LaunchBackfillSuccess { backfillId launchedRunIds }
    ... on PythonError { message stack }
    ... on Error { message }
  }
}
"""

RUN_STATUS = """
query Run($runId: ID!) {
  runOrError(runId: $runId) {
    __typename
    ... on Run { runId status jobName tags { key value } assetSelection { path } }
    ... on Error { message }
  }
}
"""

RUN_LOGS = """
query Logs($runId: ID!) {
  logsForRun(runId: $runId, limit: 5000) {
    __typename
    ... on EventConnection {
      events {
        __typename
        ... on MessageEvent { message level stepKey }
        ... on ErrorEvent { error { message stack } }
      }
    }
    ... on Error { message }
  }
}
"""

BACKFILL_STATUS = """
query Backfill($backfillId: String!) {
  partitionBackfillOrError(backfillId: $backfillId) {
    __typename
    ... on PartitionBackfill {
      id status numPartitions
      error { message stack }
    }
    ... on Error { message }
  }
}
"""

RUNS_BY_TAG = """
query Runs($filter: RunsFilter) {
  runsOrError(filter: $filter) {
    __typename
    ... on Runs { results { runId status startTime endTime tags { key value } } }
    ... on Error { message }
  }
}
"""

SENSORS = """
query Sensors($selector: RepositorySelector!) {
  sensorsOrError(repositorySelector: $selector) {
    __typename
    ... on Sensors { results { name sensorType sensorState { status } } }
    ... on Error { message }
  }
}
"""

WORKSPACE = """
{
  workspaceOrError {
    __typename
    ... on Workspace {
      locationEntries {
        name
        loadStatus
        locationOrLoadError {
          __typename
          ... on RepositoryLocation { repositories { name jobs { name } } }
          ... on PythonError { message stack }
        }
      }
    }
  }
}
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stop_process_group(process: subprocess.Popen) -> None:
    """`dagster dev` ignores SIGTERM for long; its webserver, daemon and code server share a group."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        pass
    except ProcessLookupError:
        return
    try:
        os.killpg(process.pid, signal.SIGKILL)  # stragglers too (run workers, code server)
    except ProcessLookupError:
        pass
    process.wait(timeout=10)


def _wait_until_ready(ui: DagsterUi) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    last = "no answer yet"
    while time.monotonic() < deadline:
        if ui.process.poll() is not None:
            raise AssertionError(f"dagster dev exited with {ui.process.returncode}:\n{ui.log_tail()}")
        try:
            if ui.graphql("{ version }", timeout=5).get("version"):
                entries = ui.graphql(WORKSPACE, timeout=30)["workspaceOrError"]["locationEntries"]
                if entries and all(e["loadStatus"] == "LOADED" for e in entries):
                    location = entries[0]["locationOrLoadError"]
                    if location["__typename"] != "RepositoryLocation":
                        raise AssertionError(f"code location failed to load: {location}")
                    ui.location = entries[0]["name"]
                    return
                last = f"locations {[(e['name'], e['loadStatus']) for e in entries]}"
        except (requests.RequestException, GraphQLError) as error:
            last = str(error)
        time.sleep(1)
    raise AssertionError(f"dagster dev not ready after {STARTUP_TIMEOUT} s ({last}):\n{ui.log_tail()}")


@pytest.fixture(scope="session")
def dagster_ui(pg_server_url: str, standin: StandInServer, e2e_world: World,
               tmp_path_factory) -> Iterator[DagsterUi]:
    """`dagster dev` on a free port: webserver, daemon and code server, as `make ui` starts them."""
    tag = f"{os.getpid()}_{secrets.token_hex(3)}"
    app_name, dagster_name = f"vk_e2e_{tag}", f"dagster_e2e_{tag}"
    app_url = ensure_database(pg_server_url, app_name)
    upgrade_schema(app_url)
    storage_url = ensure_database(pg_server_url, dagster_name)
    root = tmp_path_factory.mktemp("e2e")
    uploads = root / "uploads"
    uploads.mkdir()
    env = {
        **os.environ,
        "DAGSTER_HOME": str(prepare_dagster_home(root / "dagster_home")),
        "DAGSTER_STORAGE_URL": with_database(storage_url, dagster_name, driver="postgresql+psycopg2"),
        "DATABASE_URL": app_url,
        "VK_TOKEN": standin.token,
        "VK_API_BASE_URL": standin.base_url,
        "VK_PARTITIONS_START": PARTITIONS_START,
        "VK_PARTITIONS_TIMEZONE": "Europe/Moscow",
        "VK_UPLOADS_DIR": str(uploads),
        "VK_RUN_RETRY_DELAY_SECONDS": "1",
        # The stand-in has no rate limit; the client's own 3/s would only make the year slow.
        "VK_REQUESTS_PER_SECOND": "50",
    }
    env.pop("DAGSTER_DATABASE_URL", None)
    port = _free_port()
    log_path = root / "dagster_dev.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "dagster", "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
        cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    ui = DagsterUi(url=f"http://127.0.0.1:{port}", process=process, log_path=log_path,
                   app_database_url=app_url, world=e2e_world)
    try:
        _wait_until_ready(ui)
        yield ui
    finally:
        _stop_process_group(process)
        log.close()
        ui.session.close()
        drop_database(pg_server_url, app_name)
        drop_database(pg_server_url, dagster_name)


@pytest.fixture(scope="session")
def monitored_groups(dagster_ui: DagsterUi, e2e_world: World, tmp_path_factory) -> list[int]:
    """The world's communities uploaded through the `groups` asset, launched like the UI does."""
    upload = tmp_path_factory.mktemp("group_file") / "groups.txt"
    upload.write_text("\n".join(str(group_id) for group_id in e2e_world.group_ids()) + "\n")
    run_id = dagster_ui.launch_run(
        assets=["groups"], run_config={"ops": {"groups": {"config": {"upload_paths": [str(upload)]}}}})
    dagster_ui.wait_for_run(run_id)
    with dagster_ui.db() as conn:
        valid = [r["group_id"] for r in conn.execute(
            "SELECT group_id FROM vk.groups WHERE is_monitored AND validation_status = 'valid' ORDER BY 1")]
    assert valid == sorted(e2e_world.group_ids("open")), "the groups run validated other communities"
    return valid
