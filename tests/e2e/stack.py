"""The `dagster dev` the e2e tests run against: its process, its application database, the
VK stand-in world it loads from (the ground truth), and the day arithmetic of the partitions.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import requests
from psycopg.rows import dict_row

from tests.e2e.graphql_client import WORKSPACE, DagsterGraphQL, GraphQLError
from tests.waiting import wait_until
from vk_standin.world import World

MOSCOW = ZoneInfo("Europe/Moscow")


def moscow_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=MOSCOW).astimezone(UTC)


def day_window(first: date, last: date) -> tuple[datetime, datetime]:
    """[start, end) in UTC of the Moscow days first..last, as the partitions define them."""
    return moscow_midnight(first), moscow_midnight(last + timedelta(days=1))


def partition_keys(first: date, last: date) -> list[str]:
    return [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]


@dataclass(kw_only=True)
class DagsterUi(DagsterGraphQL):
    """A running `dagster dev`, what the tests ask of it through GraphQL, and what they check
    its work against."""

    process: subprocess.Popen
    log_path: Path
    app_database_url: str
    world: World

    # The day arithmetic of the partitions, for the tests (which import nothing from here).
    day_window = staticmethod(day_window)
    partition_keys = staticmethod(partition_keys)

    def log_tail(self, lines: int = 60) -> str:
        try:
            text = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return "(no dagster dev log)"
        return "\n".join(text[-lines:])

    def wait_until_ready(self, timeout: float) -> None:
        """Until the webserver answers and its code location is loaded (then `location` is set)."""
        last = "no answer yet"

        def ready() -> bool:
            nonlocal last
            if self.process.poll() is not None:
                raise AssertionError(f"dagster dev exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                if self.graphql("{ version }", timeout=5).get("version"):
                    entries = self.graphql(WORKSPACE, timeout=30)["workspaceOrError"]["locationEntries"]
                    if entries and all(e["loadStatus"] == "LOADED" for e in entries):
                        location = entries[0]["locationOrLoadError"]
                        if location["__typename"] != "RepositoryLocation":
                            raise AssertionError(f"code location failed to load: {location}")
                        self.location = entries[0]["name"]
                        return True
                    last = f"locations {[(e['name'], e['loadStatus']) for e in entries]}"
            except (requests.RequestException, GraphQLError) as error:
                last = str(error)
            return False

        wait_until(ready, timeout, 1,
                   lambda: f"dagster dev not ready after {timeout} s ({last}):\n{self.log_tail()}")

    def db(self) -> psycopg.Connection:
        return psycopg.connect(self.app_database_url, autocommit=True, row_factory=dict_row)

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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop_process_group(process: subprocess.Popen) -> None:
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
