"""How an online migration runs one statement: a lock it cannot get soon is given up on (and
tried again), except by a CONCURRENTLY build, which must never be aborted half-done."""

from __future__ import annotations

import sys
from pathlib import Path

import psycopg
import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "sql" / "migrations"))
import sql_files  # noqa: E402


@pytest.fixture
def table_held_by_a_writer(empty_database):
    with psycopg.connect(empty_database, autocommit=True) as conn:
        conn.execute("CREATE TABLE held (id int)")
    with psycopg.connect(empty_database) as writer:
        writer.execute("LOCK TABLE held IN ROW EXCLUSIVE MODE")
        yield empty_database


def test_a_comment_that_mentions_concurrently_does_not_lift_the_lock_timeout(
        table_held_by_a_writer, monkeypatch):
    monkeypatch.setattr(sql_files, "LOCK_ATTEMPTS", 2)
    monkeypatch.setattr(sql_files, "PAUSE_BETWEEN_ATTEMPTS_SECONDS", 0)
    statement = ("-- This cannot be CONCURRENTLY: the parent's index is catalog only.\n"
                 "CREATE INDEX held_idx ON held (id)")
    # Without the timeout the build would wait for the writer for good: this ends it instead.
    with psycopg.connect(table_held_by_a_writer, autocommit=True,
                         options="-c statement_timeout=5s") as conn:
        with pytest.raises(psycopg.errors.LockNotAvailable):
            sql_files._run(conn, statement)
        assert conn.execute("SELECT to_regclass('held_idx')").fetchone()[0] is None


def test_statements_are_split_at_line_ends_and_comment_only_parts_dropped():
    script = "-- header\nSELECT 1;\n-- only a comment;\nSELECT format('%I;x', 'a');\n"
    assert sql_files.split_statements(script) == [
        "-- header\nSELECT 1", "SELECT format('%I;x', 'a')"]
