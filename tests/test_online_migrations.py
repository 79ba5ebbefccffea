"""Migrations that must not stop the loads: on a comments table of millions of rows, the index
of migration 0012 is built and dropped while a loader keeps committing batches with
lock_timeout = 1s; the plain CREATE INDEX it replaces makes that same loader fail."""

from __future__ import annotations

import itertools
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest

from resources.database import current_revision, downgrade_schema, upgrade_schema

SQL = Path(__file__).parent / "sql"
POSTS, COMMENTS_PER_POST, MONTHS = 20_000, 100, 6
LOAD_POST = (1, 10_000_000)
BATCH = 100
# Comment ids of the loads, never repeated across loaders of the module's database.
_batches = itertools.count()


@dataclass
class Loader:
    """New comments in small transactions, as the comments asset writes them, with the lock
    timeout a load would give up after."""

    url: str
    commits: list[tuple[float, float]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def __enter__(self) -> "Loader":
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 30
        while len(self.commits) < 5 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.commits) >= 5, f"the loader never got going: {self.errors}"
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        query = (SQL / "load_new_comments.sql").read_text(encoding="utf-8")
        with psycopg.connect(self.url, options="-c lock_timeout=1s") as conn:
            while not self._stop.is_set():
                started = time.monotonic()
                first = next(_batches) * BATCH + 1
                try:
                    with conn.transaction():
                        conn.execute(query, {"group_id": LOAD_POST[0], "post_id": LOAD_POST[1],
                                             "first": first, "last": first + BATCH - 1})
                    self.commits.append((started, time.monotonic()))
                except psycopg.Error as error:  # a lock timeout above all; any failure counts
                    self.errors.append(str(error).strip())
                time.sleep(0.05)

    def committed_between(self, start: float, end: float) -> int:
        return sum(1 for began, done in self.commits if start <= began and done <= end)


@pytest.fixture(scope="module")
def big_comments(pg_server_url):
    from resources.postgres_server import drop_database, ensure_database

    name = "vk_test_online_migrations"
    drop_database(pg_server_url, name)
    url = ensure_database(pg_server_url, name)
    upgrade_schema(url, "0011")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT vk.ensure_comment_partitions(date_trunc('month', now()) - %s * interval '1 month', "
                     "now() + interval '1 month')", (MONTHS,))
        conn.execute((SQL / "bulk_comments.sql").read_text(encoding="utf-8"),
                     {"posts": POSTS, "comments_per_post": COMMENTS_PER_POST, "months": MONTHS})
        conn.execute("INSERT INTO vk.posts (group_id, post_id, published_at, raw) "
                     "VALUES (%s, %s, now() - interval '1 minute', '{}')", LOAD_POST)
        conn.execute("VACUUM ANALYZE vk.comments")
        assert conn.execute("SELECT count(*) FROM vk.comments").fetchone()[0] == POSTS * COMMENTS_PER_POST
    yield url
    drop_database(pg_server_url, name)


@contextmanager
def a_writer_holding_the_table(url: str, seconds: float = 3.0):
    """An open writing transaction on vk.comments for `seconds`, as a slow load holds one. How
    long a build takes on its own depends on the machine (1.5 s on a fast one); every lock that
    conflicts with writers waits out this one, so the build is sure to outlast it."""
    held = threading.Event()

    def hold() -> None:
        with psycopg.connect(url) as conn, conn.transaction():
            conn.execute("LOCK TABLE vk.comments IN ROW EXCLUSIVE MODE")
            held.set()
            time.sleep(seconds)

    writer = threading.Thread(target=hold, daemon=True)
    writer.start()
    assert held.wait(10), "the writer never took its lock"
    try:
        yield
    finally:
        writer.join(timeout=seconds + 30)


def commenters_indexes(url: str) -> list[tuple[str, bool, bool]]:
    """(index, valid, attached to the parent's index) of every commenters index."""
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT c.relname, i.indisvalid, EXISTS (SELECT FROM pg_inherits h "
            "  WHERE h.inhrelid = c.oid AND h.inhparent = to_regclass('vk.comments_commenters_idx')) "
            "FROM pg_class c JOIN pg_index i ON i.indexrelid = c.oid "
            "WHERE c.relname LIKE '%%commenters_idx' ORDER BY 1").fetchall()


def partitions(url: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT count(*) FROM pg_inherits "
                            "WHERE inhparent = 'vk.comments'::regclass").fetchone()[0]


@pytest.mark.slow
def test_the_concurrent_index_migration_never_stops_the_loads(big_comments):
    url = big_comments
    with Loader(url) as loader, a_writer_holding_the_table(url):
        started = time.monotonic()
        upgrade_schema(url, "0012")
        finished = time.monotonic()
        during_upgrade = loader.committed_between(started, finished)
    assert current_revision(url) == "0012"
    assert loader.errors == []
    assert finished - started > 2, "the build was too quick to show anything"
    assert during_upgrade >= (finished - started) * 2, (during_upgrade, finished - started)
    assert max(done - began for began, done in loader.commits) < 1.0
    indexes = commenters_indexes(url)
    assert len(indexes) == partitions(url) + 1
    assert all(valid for _, valid, _ in indexes)
    assert all(attached for name, _, attached in indexes if name != "comments_commenters_idx")

    with Loader(url) as loader:
        started = time.monotonic()
        downgrade_schema(url, "0011")
        finished = time.monotonic()
        during_downgrade = loader.committed_between(started - 1, finished + 1)
    assert current_revision(url) == "0011"
    assert loader.errors == []
    assert during_downgrade >= 5
    assert commenters_indexes(url) == []


@pytest.mark.slow
def test_the_plain_create_index_it_replaces_stops_the_same_loads(big_comments):
    url = big_comments
    with (Loader(url) as loader, a_writer_holding_the_table(url),
          psycopg.connect(url, autocommit=True) as conn):
        conn.execute("CREATE INDEX comments_blocking_idx ON vk.comments (published_at) "
                     "INCLUDE (from_id, group_id, post_id, likes_count) WHERE NOT is_deleted")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP INDEX vk.comments_blocking_idx")
    assert loader.errors and "lock timeout" in loader.errors[0]
